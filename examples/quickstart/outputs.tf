# Whole objects, so the association IDs and states show whatever attributes the resources expose.

output "client_vpn_network_association" {
  description = "The Client VPN target network association."
  value       = awsassoc_ec2_client_vpn_network_association.this
}

output "route_server_vpc_association" {
  description = "The route server to VPC association."
  value       = awsassoc_vpc_route_server_vpc_association.this
}

output "connect_peer_association" {
  description = "The Cloud WAN connect peer to device association."
  value       = awsassoc_networkmanager_connect_peer_association.this
}

output "workspace_application_association" {
  description = "The WorkSpace to application association."
  value       = awsassoc_workspaces_application_association.this
}
