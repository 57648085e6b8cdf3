// uat and prod: runs `python -m ops migrate --app-role <app identity>` inside the environment's
// VNet, where its private PostgreSQL is reachable, as a deployment script (Azure Container
// Instances in the `scripts` subnet) under the migration identity, the server's Entra
// administrator. The pipeline deploys it after infra/main.bicep (deploy.yml); no firewall opens.
// The code (ops/, migrations/, the shared modules ops imports) comes as one compressed base64
// environment variable built by infra/migration/payload.py; Microsoft's limit for a deployment
// script's environment variables is 64 KB (tests/infra checks the size).
targetScope = 'resourceGroup'

@description('The private environment whose database is migrated.')
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

@description('The Function App identity\'s PostgreSQL role (main.bicep output appDatabaseRole): made a member of iebank_runtime.')
param appDatabaseRole string

@description('PostgreSQL host name; resolves to the private endpoint inside the VNet.')
param databaseHost string

@description('forceUpdateTag: a new value (the pipeline run id) runs the script again.')
param runId string

@description('tar.xz of the migration code, base64 (infra/migration/payload.py).')
@maxLength(60000)
param payload string

@description('Azure CLI image version: 2.65.0 and later are Azure Linux 3.0 with Python 3.12.')
param azCliVersion string = '2.67.0'

var tags = {
  environment: environmentName
  application: 'iebank'
  owner: owner
  costCentre: costCentre
}

// Created by main.bicep with privateNetworking (network.bicep, migrationrunner.bicep).
resource deploymentIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: 'devopps-id-deploy-${environmentName}'
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' existing = {
  name: 'devopps-vnet-${environmentName}'
}

resource scriptStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'devoppsscr${environmentName}'
}

resource migrate 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: 'devopps-migrate-${environmentName}'
  location: location
  tags: tags
  kind: 'AzureCLI'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${deploymentIdentity.id}': {}
    }
  }
  properties: {
    azCliVersion: azCliVersion
    storageAccountSettings: {
      storageAccountName: scriptStorage.name
    }
    containerSettings: {
      containerGroupName: 'devopps-aci-migrate-${environmentName}'
      subnetIds: [
        {
          id: '${vnet.id}/subnets/scripts'
        }
      ]
    }
    environmentVariables: [
      {
        name: 'IEBANK_PAYLOAD'
        value: payload
      }
      {
        name: 'PG_HOST'
        value: databaseHost
      }
      {
        // The migration identity's PostgreSQL role is its name (the Entra administrator's principalName).
        name: 'PG_ROLE'
        value: deploymentIdentity.name
      }
      {
        name: 'APP_DB_ROLE'
        value: appDatabaseRole
      }
      {
        // DefaultAzureCredential signs in as this user-assigned identity (or through the az login
        // the script service does as it): the token is the database password.
        name: 'AZURE_CLIENT_ID'
        value: deploymentIdentity.properties.clientId
      }
      {
        name: 'DATABASE_AUTH'
        value: 'entra'
      }
    ]
    scriptContent: loadTextContent('migration/run.sh')
    timeout: 'PT30M'
    // A failed run keeps its container group and share until the retention ends, for the logs.
    cleanupPreference: 'OnSuccess'
    retentionInterval: 'PT26H'
    forceUpdateTag: runId
  }
}

@description('The deployment script resource: `az deployment-scripts show-log` prints what the run printed.')
output scriptName string = migrate.name
