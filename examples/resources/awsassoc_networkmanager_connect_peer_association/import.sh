# The import ID is the global network ID and the Connect peer ID, separated by a comma.
terraform import awsassoc_networkmanager_connect_peer_association.example global-network-0123456789abcdef0,connect-peer-0123456789abcdef0
