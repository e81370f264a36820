# Every target network association of one Client VPN endpoint.
list "awsassoc_ec2_client_vpn_network_association" "endpoint" {
  provider         = awsassoc
  include_resource = true

  config {
    client_vpn_endpoint_id = "cvpn-endpoint-0123456789abcdef0"
  }
}

# Leave out the endpoint to list the associations of every endpoint in the region.
list "awsassoc_ec2_client_vpn_network_association" "region" {
  provider = awsassoc
}
