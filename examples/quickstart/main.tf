# Quickstart: one association of each kind the awsassoc provider manages, against the local
# emulator (awsassoc-sim). The parent objects (VPCs, subnets, Client VPN endpoint, route server,
# Cloud WAN global network, WorkSpace, application) are not managed here: the emulator is seeded
# with them from world.json, and this configuration reads their IDs from the same file.
#
# Run it with `scripts/demo`, or by hand:
#   awsassoc-sim --seed world.json --profile demo --listen 127.0.0.1:4566 &
#   tofu init && tofu apply && tofu destroy

terraform {
  required_providers {
    awsassoc = {
      source  = "awsassoc/awsassoc"
      version = "~> 0.1"
    }
  }
}

provider "awsassoc" {
  region            = var.region
  access_key        = "test"
  secret_key        = "test"
  preflight_dry_run = false

  endpoints {
    ec2            = var.emulator_url
    networkmanager = var.emulator_url
    workspaces     = var.emulator_url
    # Terraform 1.12 and later store each resource's identity, which names the account: the
    # provider asks STS GetCallerIdentity once, so STS must be the emulator too.
    sts = var.emulator_url
  }
}

locals {
  world = jsondecode(file("${path.module}/world.json"))

  client_vpn_endpoint = local.world.client_vpn_endpoints[0]
  # A Client VPN endpoint can only be associated with a subnet of its own VPC.
  client_vpn_subnet_id = [for s in local.world.subnets : s.id if s.vpc_id == local.client_vpn_endpoint.vpc_id][0]

  global_network = local.world.global_networks[0]
  device         = local.global_network.devices[0]

  # Applications can only be associated while the WorkSpace is AVAILABLE or STOPPED.
  workspace_id = [for w in local.world.workspaces : w.id if contains(["AVAILABLE", "STOPPED"], try(w.state, "AVAILABLE"))][0]
}

# EC2: AssociateClientVpnTargetNetwork / DisassociateClientVpnTargetNetwork.
resource "awsassoc_ec2_client_vpn_network_association" "this" {
  client_vpn_endpoint_id = local.client_vpn_endpoint.id
  subnet_id              = local.client_vpn_subnet_id

  timeouts {
    create = "10m"
    delete = "10m"
  }
}

# EC2: AssociateRouteServer / DisassociateRouteServer.
resource "awsassoc_vpc_route_server_vpc_association" "this" {
  route_server_id = local.world.route_servers[0].id
  vpc_id          = local.world.vpcs[0].id
}

# Network Manager (Cloud WAN): AssociateConnectPeer / DisassociateConnectPeer.
resource "awsassoc_networkmanager_connect_peer_association" "this" {
  global_network_id = local.global_network.id
  connect_peer_id   = local.global_network.connect_peers[0]
  device_id         = local.device.id
  link_id           = try(local.device.links[0], null)
}

# WorkSpaces: AssociateWorkspaceApplication / DisassociateWorkspaceApplication.
resource "awsassoc_workspaces_application_association" "this" {
  workspace_id   = local.workspace_id
  application_id = local.world.applications[0].id
}
