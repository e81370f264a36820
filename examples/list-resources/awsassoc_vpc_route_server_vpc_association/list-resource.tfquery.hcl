# The VPC association of one route server.
list "awsassoc_vpc_route_server_vpc_association" "server" {
  provider         = awsassoc
  include_resource = true

  config {
    route_server_id = "rs-0123456789abcdef0"
  }
}

# Leave out the route server to list the associations of every route server in the region.
list "awsassoc_vpc_route_server_vpc_association" "region" {
  provider = awsassoc
}
