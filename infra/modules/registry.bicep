// Container registry, deployed only when a container deployment is asked for (main.bicep).
@description('Letters and digits only, e.g. devoppsacrdev.')
@minLength(5)
@maxLength(50)
param name string
param location string
param tags object

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param skuName string

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  // checkov:skip=CKV_AZURE_139: public network access is needed by hosted CI runners; restricting it needs Premium.
  // checkov:skip=CKV_AZURE_166: image quarantine needs the Premium SKU; Basic/Standard chosen for cost (issue 5).
  // checkov:skip=CKV_AZURE_233: zone redundancy needs the Premium SKU.
  // checkov:skip=CKV_AZURE_163: vulnerability scanning is a Defender for Cloud subscription setting, not a registry property.
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

output id string = registry.id
output name string = registry.name
output loginServer string = registry.properties.loginServer
