// uat and prod: the app's vault has no public endpoint, so its generated secrets (jwt-signing-key,
// admin-password, totp-encryption-key) are created inside the VNet by a deployment script
// (infra/secrets.bicep) under the secrets identity, not from the pipeline's runner. This module
// gives that identity exactly two roles:
//  - a custom role on the app's vault only, with two data actions: list the secrets' names
//    (`readMetadata`, never a value) and set one (`setSecret`). It can neither read a secret
//    (no `getSecret`: it never learns the JWT key) nor delete or purge one. Key Vault has no
//    "create only" action: ensure_secrets.py sets a name only when the list lacks it, so nothing
//    existing is overwritten (tests/infra/test_infra_secrets_script.py).
//  - Storage File Data Privileged Contributor on the script storage account, the role Microsoft
//    documents for a deployment script's identity in a private network (as the migration identity).
// The migration identity (devopps-id-deploy-<env>) gets nothing here: it never touches Key Vault.
@description('Name of the app\'s Key Vault, e.g. devopps-kv-uat.')
param vaultName string

@description('Name of the script storage account (migrationrunner.bicep).')
param scriptStorageName string

@description('Principal id of the secrets identity the script runs as.')
param secretsPrincipalId string

var storageFileDataPrivilegedContributor = '69566ab7-960f-475b-8e7c-b3118f30c6bd'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

resource scriptStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: scriptStorageName
}

// Assignable in this resource group only; assigned below on the one vault.
resource secretCreator 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'iebank-secret-creator')
  properties: {
    roleName: 'IE Bank secret creator (${resourceGroup().name})'
    description: 'Lists Key Vault secret names and sets a secret; cannot read a value or delete. Used by the uat/prod secrets deployment script (infra/secrets.bicep).'
    type: 'CustomRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.KeyVault/vaults/secrets/readMetadata/action'
          'Microsoft.KeyVault/vaults/secrets/setSecret/action'
        ]
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

resource createsAppSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, secretsPrincipalId, secretCreator.id)
  scope: vault
  properties: {
    roleDefinitionId: secretCreator.id
    principalId: secretsPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource usesScriptShare 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scriptStorage.id, secretsPrincipalId, storageFileDataPrivilegedContributor)
  scope: scriptStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageFileDataPrivilegedContributor)
    principalId: secretsPrincipalId
    principalType: 'ServicePrincipal'
  }
}
