// Function App on the Flex Consumption plan (Linux, Python 3.11) running as the user-assigned
// identity. Every secret is read by the app from Key Vault (KEY_VAULT_URL); no setting holds one.
param name string
param planName string
param location string
param tags object

@description('Extra tags of the site only (azd-service-name under azd), not of its plan.')
param siteTags object
param workspaceId string

@description('Environment name passed to the app as APP_ENV.')
param appEnv string

param identityId string
param identityClientId string
param identityName string

param storageName string
param storageBlobEndpoint string
param deploymentContainerName string

param appInsightsConnectionString string
param keyVaultUri string

param databaseFqdn string
param databaseName string
param pgbouncerEnabled bool

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Always-ready instances for the HTTP function group (0 = none).')
@minValue(0)
param alwaysReadyInstanceCount int

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

param dbPoolMinSize int
param dbPoolMaxSize int
param dbPoolTimeoutSeconds int

@description('HTTP requests one instance takes at once (scaleAndConcurrency.triggers.http.perInstanceConcurrency).')
@minValue(1)
param httpPerInstanceConcurrency int

@description('FUNCTIONS_WORKER_PROCESS_COUNT: Python worker processes per instance, each with its own pool.')
@minValue(1)
param workerProcessCount int

@description('Subnet the app joins (VNet integration); empty: no VNet.')
param virtualNetworkSubnetId string

param jwtIssuer string
param jwtAudience string

@description('ACS_EMAIL_ENDPOINT: https address of the Communication Services resource (password-reset mail, sent with the identity).')
param mailEndpoint string

@description('MAIL_SENDER: sender address on the linked email domain.')
param mailSender string

@description('PUBLIC_BASE_URL: https address of the SPA, from which the app builds the reset link.')
param publicBaseUrl string

@description('SCA_REQUIRED_FOR_CUSTOMERS: customers must hold a second factor too (prod), not only staff.')
param scaRequiredForCustomers bool

@description('Host name of the SPA (the Static Web App): WEBAUTHN_RP_ID, and https://<it> is WEBAUTHN_ORIGINS.')
param webAuthnHost string

// Built-in PgBouncer listens on 6432; the server itself on 5432.
var databasePort = pgbouncerEnabled ? '6432' : '5432'
var databaseUrl = 'postgresql://${identityName}@${databaseFqdn}:${databasePort}/${databaseName}?sslmode=require'
var alwaysReady = [
  {
    name: 'http'
    instanceCount: alwaysReadyInstanceCount
  }
]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy is not used with the FC1 plan chosen for cost (issue 5).
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_17: client certificates do not fit browser clients that reach the API through the Static Web App.
  // checkov:skip=CKV_AZURE_222: the Static Web App reaches the linked backend over the public endpoint (Static Web Apps has no private path to a linked backend); access is restricted to the site by the link.
  // checkov:skip=CKV_AZURE_212: Flex Consumption scales from zero by design; prod keeps an always-ready instance (alwaysReadyInstanceCount) and dev/uat need none.
  name: name
  location: location
  tags: union(tags, siteTags)
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      healthCheckPath: '/api/health'
      appSettings: [
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storageName
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        {
          name: 'AZURE_CLIENT_ID'
          value: identityClientId
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsightsConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identityClientId};Authorization=AAD'
        }
        {
          name: 'APP_ENV'
          value: appEnv
        }
        {
          name: 'KEY_VAULT_URL'
          value: keyVaultUri
        }
        {
          name: 'DATABASE_URL'
          value: databaseUrl
        }
        {
          name: 'DATABASE_AUTH'
          value: 'entra'
        }
        {
          name: 'DB_POOL_MIN_SIZE'
          value: string(dbPoolMinSize)
        }
        {
          name: 'DB_POOL_MAX_SIZE'
          value: string(dbPoolMaxSize)
        }
        {
          name: 'DB_POOL_TIMEOUT_SECONDS'
          value: string(dbPoolTimeoutSeconds)
        }
        {
          name: 'DB_PGBOUNCER'
          value: pgbouncerEnabled ? 'true' : 'false'
        }
        {
          name: 'JWT_ISSUER'
          value: jwtIssuer
        }
        {
          name: 'JWT_AUDIENCE'
          value: jwtAudience
        }
        {
          name: 'LOG_FORMAT'
          value: 'json'
        }
        {
          name: 'FUNCTIONS_WORKER_PROCESS_COUNT'
          value: string(workerProcessCount)
        }
        // Outside development the app refuses to start without these (issue 15); no key: the
        // identity holds a send-only role on the Communication Services resource (email.bicep).
        {
          name: 'MAIL_TRANSPORT'
          value: 'acs'
        }
        {
          name: 'ACS_EMAIL_ENDPOINT'
          value: mailEndpoint
        }
        {
          name: 'MAIL_SENDER'
          value: mailSender
        }
        {
          name: 'PUBLIC_BASE_URL'
          value: publicBaseUrl
        }
        // Strong customer authentication (issue 17). The TOTP key is generated once into Key
        // Vault (pipeline step, azd hook) and read through a Key Vault reference with the
        // identity (keyVaultReferenceIdentity); the setting holds the reference, never the key.
        {
          name: 'TOTP_ENCRYPTION_KEY'
          value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/totp-encryption-key/)'
        }
        {
          name: 'SCA_MODE'
          value: 'enforced'
        }
        {
          name: 'SCA_REQUIRED_FOR_CUSTOMERS'
          value: scaRequiredForCustomers ? 'true' : 'false'
        }
        // Passkeys are bound to the site users see: the Static Web App's host, not the API's.
        {
          name: 'WEBAUTHN_RP_ID'
          value: webAuthnHost
        }
        {
          name: 'WEBAUTHN_ORIGINS'
          value: 'https://${webAuthnHost}'
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: (alwaysReadyInstanceCount > 0) ? alwaysReady : []
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'FunctionAppLogs'
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

output id string = site.id
output name string = site.name
output location string = site.location
output defaultHostName string = site.properties.defaultHostName
