# The import ID is the route server ID and the VPC ID, separated by a comma.
terraform import awsassoc_vpc_route_server_vpc_association.example rs-0123456789abcdef0,vpc-0123456789abcdef0
