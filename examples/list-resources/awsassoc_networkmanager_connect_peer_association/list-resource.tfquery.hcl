# Every Connect peer association of one global network.
list "awsassoc_networkmanager_connect_peer_association" "network" {
  provider         = awsassoc
  include_resource = true

  config {
    global_network_id = "global-network-0123456789abcdef0"
  }
}
