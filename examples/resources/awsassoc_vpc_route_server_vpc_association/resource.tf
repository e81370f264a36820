resource "awsassoc_vpc_route_server_vpc_association" "example" {
  route_server_id = "rs-0123456789abcdef0"
  vpc_id          = "vpc-0123456789abcdef0"
}
