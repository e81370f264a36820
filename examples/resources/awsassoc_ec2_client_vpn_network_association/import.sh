# The import ID is the Client VPN endpoint ID and the association ID, separated by a comma.
terraform import awsassoc_ec2_client_vpn_network_association.example cvpn-endpoint-0123456789abcdef0,cvpn-assoc-0123456789abcdef0
