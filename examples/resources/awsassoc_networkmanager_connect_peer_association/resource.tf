resource "awsassoc_networkmanager_connect_peer_association" "example" {
  global_network_id = "global-network-0123456789abcdef0"
  connect_peer_id   = "connect-peer-0123456789abcdef0"
  device_id         = "device-0123456789abcdef0"
  link_id           = "link-0123456789abcdef0" # optional: a link of that device
}
