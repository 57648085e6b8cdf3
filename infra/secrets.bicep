// uat and prod: makes sure the app's generated secrets (jwt-signing-key, admin-password,
// totp-encryption-key) exist in its Key Vault, which has public network access off, by running the
// one generator (infra/hooks/ensure_secrets.py) inside the environment's VNet as a deployment script
// (Azure Container Instances in the `scripts` subnet) under the secrets identity. That identity can
// list secret names and set a secret on the app's vault only (modules/secretswriter.bicep); a present
// secret is never set again, so no rotation happens by accident. The pipeline deploys this after
// infra/main.bicep and before the migrations (deploy.yml); no firewall or network rule opens.
targetScope = 'resourceGroup'

@description('The private environment whose vault is filled.')
@allowed([
  'uat'
  'prod'
])
param environmentName string

param location string = resourceGroup().location

@description('Tag: team or person accountable for the environment.')
param owner string

@description('Tag: cost centre billed for the environment.')
param costCentre string

@description('forceUpdateTag: a new value (the pipeline run id) runs the script again.')
param runId string

@description('Azure CLI image version: 2.65.0 and later are Azure Linux 3.0 with Python 3.12.')
param azCliVersion string = '2.67.0'

var tags = {
  environment: environmentName
  application: 'iebank'
  owner: owner
  costCentre: costCentre
}

// Created by main.bicep with privateNetworking (secretswriter.bicep gives it its roles).
resource secretsIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: 'devopps-id-secrets-${environmentName}'
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' existing = {
  name: 'devopps-vnet-${environmentName}'
}

resource scriptStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'devoppsscr${environmentName}'
}

resource appVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: 'devopps-kv-${environmentName}'
}

resource ensureSecrets 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: 'devopps-secrets-${environmentName}'
  location: location
  tags: tags
  kind: 'AzureCLI'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${secretsIdentity.id}': {}
    }
  }
  properties: {
    azCliVersion: azCliVersion
    storageAccountSettings: {
      storageAccountName: scriptStorage.name
    }
    containerSettings: {
      containerGroupName: 'devopps-aci-secrets-${environmentName}'
      subnetIds: [
        {
          id: '${vnet.id}/subnets/scripts'
        }
      ]
    }
    environmentVariables: [
      {
        // The generator itself, the same file the azd hook and dev's pipeline step run.
        name: 'GENERATOR'
        value: loadTextContent('hooks/ensure_secrets.py')
      }
      {
        // Resolves to the vault's private endpoint inside the VNet (privatelink.vaultcore.azure.net).
        name: 'KEY_VAULT'
        value: appVault.name
      }
    ]
    scriptContent: loadTextContent('secrets/run.sh')
    timeout: 'PT10M'
    // A failed run keeps its container group and share until the retention ends, for the logs.
    cleanupPreference: 'OnSuccess'
    retentionInterval: 'PT26H'
    forceUpdateTag: runId
  }
}

@description('The deployment script resource: `az deployment-scripts show-log` prints what the run printed.')
output scriptName string = ensureSecrets.name
