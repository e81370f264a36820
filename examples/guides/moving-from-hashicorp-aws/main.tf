# Was: resource "aws_ec2_client_vpn_network_association" "vpn" { ... }
resource "awsassoc_ec2_client_vpn_network_association" "vpn" {
  client_vpn_endpoint_id = "cvpn-endpoint-0a1b2c3d4e5f60001"
  subnet_id              = "subnet-0a1b2c3d4e5f60000"
}

moved {
  from = aws_ec2_client_vpn_network_association.vpn
  to   = awsassoc_ec2_client_vpn_network_association.vpn
}

# Was: resource "aws_vpc_route_server_vpc_association" "rs" { ... }
resource "awsassoc_vpc_route_server_vpc_association" "rs" {
  route_server_id = "rs-0a1b2c3d4e5f60001"
  vpc_id          = "vpc-0a1b2c3d4e5f60002"
}

moved {
  from = aws_vpc_route_server_vpc_association.rs
  to   = awsassoc_vpc_route_server_vpc_association.rs
}
