// Key Vault holding the app's secrets (jwt-signing-key, jwt-previous-signing-key,
// admin-password, slack-webhook-url). The template creates no secret: values are set by
// the pipeline or an operator (see infra/README.md), so none ever sits in a template or
// parameter file. Access is by Azure RBAC only.
param name string
param location string
param tags object
param workspaceId string

@description('Purge protection (uat and prod). Once on it cannot be turned off.')
param enablePurgeProtection bool

@description('Public network access off, reached through a private endpoint only (uat and prod).')
param privateNetworking bool

@description('Days a deleted vault or secret stays recoverable.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionDays int

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: dev and the alert relay's vault stay public (cost; a Consumption Logic App cannot use a private endpoint); uat/prod deny by default and disable public access (privateNetworking, tests/infra).
  // checkov:skip=CKV_AZURE_189: public access is a parameter, off in uat and prod (privateNetworking, tests/infra); checkov cannot evaluate the conditional and errors on it.
  // checkov:skip=CKV_AZURE_110: purge protection is a parameter, on in uat and prod (tests/infra check it); off in dev so a dev vault can be deleted and recreated.
  // checkov:skip=CKV_AZURE_42: soft delete is always on; the purge-protection half of this check is the parameter above (on in uat and prod).
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionDays
    // ARM refuses an explicit false once the vault exists, so "off" is expressed as null.
    enablePurgeProtection: enablePurgeProtection ? true : null
    enabledForDeployment: false
    enabledForTemplateDeployment: false
    enabledForDiskEncryption: false
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'None'
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
    }
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
