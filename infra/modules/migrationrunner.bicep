// What the migration deployment script (infra/migrate.bicep) needs in uat and prod, where
// PostgreSQL has no public endpoint: a storage account of its own for the script's file share,
// private like everything else (public network access off, reached through a private endpoint for
// `file` in the VNet), and the deployment identity's one Azure role, on that account only.
// The container group itself is created by the deployment script service at each run, in the
// VNet's `scripts` subnet (network.bicep), and deleted when the run succeeds.
@description('Lowercase letters and digits only, 3-24 characters, e.g. devoppsscruat.')
@minLength(3)
@maxLength(24)
param name string
param endpointName string
param location string
param tags object

@description('Principal id of the deployment identity the script runs as.')
param deploymentPrincipalId string

param endpointsSubnetId string
param fileZoneId string

// Storage File Data Privileged Contributor: the role Microsoft documents for a deployment script's
// identity on its own storage account in a private network (deployment-script-vnet-private-endpoint).
var storageFileDataPrivilegedContributor = '69566ab7-960f-475b-8e7c-b3118f30c6bd'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV2_AZURE_40: Azure Container Instances mounts the script's file share only with an account key (Microsoft: "the only way to mount a storage account in ACI is via an access key"), so shared keys stay on; the account holds nothing but that share, and is reachable only through its private endpoint.
  // checkov:skip=CKV_AZURE_206: LRS is enough for a share that lives for one run.
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Disabled'
    // As Microsoft's sample for a private deployment script: deny by default, trusted services
    // bypass (the script service manages the share); public network access is off anyway.
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Deny'
    }
  }
}

module fileEndpoint 'privateendpoint.bicep' = {
  name: 'pe-file-scripts'
  params: {
    name: endpointName
    location: location
    tags: tags
    subnetId: endpointsSubnetId
    serviceId: storage.id
    groupId: 'file'
    dnsZoneId: fileZoneId
  }
}

resource identityUsesShare 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, deploymentPrincipalId, storageFileDataPrivilegedContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageFileDataPrivilegedContributor)
    principalId: deploymentPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output storageName string = storage.name
