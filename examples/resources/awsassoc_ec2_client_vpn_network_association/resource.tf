resource "awsassoc_ec2_client_vpn_network_association" "example" {
  client_vpn_endpoint_id = "cvpn-endpoint-0123456789abcdef0"
  subnet_id              = "subnet-0123456789abcdef0"

  timeouts {
    create = "30m"
    delete = "30m"
  }
}
