"""Issue 18: uat and prod reach PostgreSQL, Key Vault and storage only through private endpoints
from the Function App's VNet; dev stays public for cost (README)."""

from __future__ import annotations

import bicep_model as bm
import pytest

PRIVATE = ("uat", "prod")


def by_type(resources, resource_type):
    return [r for r in resources if r.type == resource_type]


@pytest.mark.parametrize("env", PRIVATE)
def test_uat_and_prod_turn_public_access_off_and_reach_each_service_through_a_private_endpoint(env):
    resources = bm.deploy(env).resources()
    (server,) = by_type(resources, "Microsoft.DBforPostgreSQL/flexibleServers")
    assert server.properties["network"]["publicNetworkAccess"] == "Disabled"
    storage, scripts = sorted(by_type(resources, "Microsoft.Storage/storageAccounts"), key=lambda r: r.name != f"devoppsst{env}")
    assert (storage.name, scripts.name) == (f"devoppsst{env}", f"devoppsscr{env}")
    for account in (storage, scripts):
        assert account.properties["publicNetworkAccess"] == "Disabled"
        assert account.properties["networkAcls"]["defaultAction"] == "Deny"
    assert storage.properties["networkAcls"]["bypass"] == "None"
    vaults = {r.name: r for r in by_type(resources, "Microsoft.KeyVault/vaults")}
    app_vault = vaults[f"devopps-kv-{env}"]
    assert app_vault.properties["publicNetworkAccess"] == "Disabled"
    assert app_vault.properties["networkAcls"]["defaultAction"] == "Deny"
    endpoints = {
        (e.properties["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceId"],
         e.properties["privateLinkServiceConnections"][0]["properties"]["groupIds"][0])
        for e in by_type(resources, "Microsoft.Network/privateEndpoints")
    }
    assert endpoints == {
        (server.id, "postgresqlServer"), (app_vault.id, "vault"),
        (storage.id, "blob"), (storage.id, "queue"), (storage.id, "table"),
        (scripts.id, "file"),  # the migration script's share (test_infra_migrations.py)
    }
    assert by_type(resources, "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules") == []


@pytest.mark.parametrize("env", PRIVATE)
def test_the_function_app_joins_a_subnet_delegated_to_flex_consumption_and_each_endpoint_has_its_dns_zone(env):
    resources = bm.deploy(env).resources()
    (vnet,) = by_type(resources, "Microsoft.Network/virtualNetworks")
    (site,) = by_type(resources, "Microsoft.Web/sites")
    assert site.properties["virtualNetworkSubnetId"] == f"{vnet.id}/subnets/apps"
    apps = next(s for s in vnet.properties["subnets"] if s["name"] == "apps")
    assert apps["properties"]["delegations"][0]["properties"]["serviceName"] == "Microsoft.App/environments"
    zones = {z.id: z.name for z in by_type(resources, "Microsoft.Network/privateDnsZones")}
    links = by_type(resources, "Microsoft.Network/privateDnsZones/virtualNetworkLinks")
    assert {link.parent.name for link in links} == set(zones.values())
    assert all(link.properties["virtualNetwork"]["id"] == vnet.id for link in links)
    groups = by_type(resources, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
    assert len(groups) == 6
    zone_of = {"postgresqlServer": "privatelink.postgres.", "vault": "privatelink.vaultcore.",
               "blob": "privatelink.blob.", "queue": "privatelink.queue.", "table": "privatelink.table.",
               "file": "privatelink.file."}
    for group in groups:
        (config,) = group.properties["privateDnsZoneConfigs"]
        assert zones[config["properties"]["privateDnsZoneId"]].startswith(zone_of[config["name"]])


def test_the_relay_vault_stays_public_because_a_consumption_logic_app_cannot_use_a_private_endpoint():
    resources = bm.deploy("prod").resources()
    relay_vault = next(r for r in resources if r.name == "devopps-al-prod")
    assert relay_vault.properties["publicNetworkAccess"] == "Enabled"


def test_dev_stays_public_without_a_vnet():
    resources = bm.deploy("dev").resources()
    assert by_type(resources, "Microsoft.Network/virtualNetworks") == []
    assert by_type(resources, "Microsoft.Network/privateEndpoints") == []
    (site,) = by_type(resources, "Microsoft.Web/sites")
    assert site.properties["virtualNetworkSubnetId"] is None


def test_private_networking_refuses_the_azure_services_rule_even_when_asked():
    resources = bm.deploy("prod", allowAzureServicesToDatabase=True, databaseClientIpAddress="203.0.113.7").resources()
    assert by_type(resources, "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules") == []
