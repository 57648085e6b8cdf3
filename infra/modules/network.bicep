// Private networking (uat and prod): the Function App joins the `apps` subnet (Flex Consumption
// VNet integration) and reaches PostgreSQL, Key Vault and its storage through private endpoints
// in the `endpoints` subnet, whose names resolve through private DNS zones linked to the VNet.
// Those services then turn public network access off. The `scripts` subnet runs the migration
// deployment script (infra/migrate.bicep) in Azure Container Instances, so the migrations reach the
// private PostgreSQL from inside the VNet; its storage account is reached through the `file` zone.
param name string
param location string
param tags object

// The private DNS zone of each service the app reaches privately.
var zones = [
  'privatelink.postgres.database.azure.com'
  'privatelink.vaultcore.azure.net'
  'privatelink.blob.${environment().suffixes.storage}'
  'privatelink.queue.${environment().suffixes.storage}'
  'privatelink.table.${environment().suffixes.storage}'
  'privatelink.file.${environment().suffixes.storage}'
]

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.20.0.0/16'
      ]
    }
    subnets: [
      {
        // Flex Consumption integrates with a subnet delegated to Microsoft.App/environments.
        name: 'apps'
        properties: {
          addressPrefix: '10.20.1.0/24'
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'endpoints'
        properties: {
          addressPrefix: '10.20.2.0/24'
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
      {
        // The migration deployment script's container group (infra/migrate.bicep). Outbound
        // internet through the subnet's default outbound access, said explicitly because new
        // subnets are private by default: ACI pulls mcr.microsoft.com/azure-cli and pip reads
        // PyPI. No NAT gateway (about 33 USD a month per environment, for minutes of use a deploy).
        name: 'scripts'
        properties: {
          addressPrefix: '10.20.3.0/27'
          defaultOutboundAccess: true
          delegations: [
            {
              name: 'container-instances'
              properties: {
                serviceName: 'Microsoft.ContainerInstance/containerGroups'
              }
            }
          ]
        }
      }
    ]
  }
}

resource dnsZones 'Microsoft.Network/privateDnsZones@2020-06-01' = [for zone in zones: {
  name: zone
  location: 'global'
  tags: tags
}]

resource dnsLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = [for (zone, i) in zones: {
  parent: dnsZones[i]
  name: '${name}-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}]

output appsSubnetId string = '${vnet.id}/subnets/apps'
output endpointsSubnetId string = '${vnet.id}/subnets/endpoints'
output postgresZoneId string = dnsZones[0].id
output keyVaultZoneId string = dnsZones[1].id
output blobZoneId string = dnsZones[2].id
output queueZoneId string = dnsZones[3].id
output tableZoneId string = dnsZones[4].id
output scriptsSubnetId string = '${vnet.id}/subnets/scripts'
output fileZoneId string = dnsZones[5].id
