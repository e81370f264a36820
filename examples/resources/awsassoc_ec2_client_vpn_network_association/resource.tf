# An endpoint attached to a VPC is associated with a subnet.
resource "awsassoc_ec2_client_vpn_network_association" "example" {
  client_vpn_endpoint_id = "cvpn-endpoint-0123456789abcdef0"
  subnet_id              = "subnet-0123456789abcdef0"

  timeouts {
    create = "30m"
    delete = "30m"
  }
}

# An endpoint that uses a Transit Gateway is associated with Availability Zones, one
# association per zone, named by zone name ...
resource "awsassoc_ec2_client_vpn_network_association" "zone" {
  client_vpn_endpoint_id = "cvpn-endpoint-0fedcba9876543210"
  availability_zone      = "us-east-1a"
}

# ... or by zone ID.
resource "awsassoc_ec2_client_vpn_network_association" "zone_id" {
  client_vpn_endpoint_id = "cvpn-endpoint-0fedcba9876543210"
  availability_zone_id   = "use1-az2"
}
