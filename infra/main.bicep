// IE Bank, one environment (dev, uat or prod) in its own resource group.
// Deploy: see infra/README.md. Every per-environment choice is a parameter, set in
// infra/parameters/<env>.parameters.json; no parameter carries a secret. `azd up` deploys a
// developer's own environment with infra/main.parameters.json: dev's sizes, its own names.
targetScope = 'resourceGroup'

@description('Environment profile: APP_ENV, the environment tag and, for dev/uat/prod, part of every resource name (devopps-<kind>-<env>).')
@allowed([
  'dev'
  'uat'
  'prod'
])
param environmentName string

@description('azd environment name (AZURE_ENV_NAME); empty for dev, uat and prod. When set, resource names carry it (lowercased, letters and digits, at most 8) plus a hash of subscription, resource group and name instead of environmentName, and every resource is tagged azd-env-name.')
@maxLength(64)
param azdEnvironmentName string = ''

@description('Region of everything except the Static Web App.')
param location string = resourceGroup().location

@description('Region of the Static Web App (offered in a few regions only).')
param staticWebAppLocation string = 'westeurope'

@description('Tag: team or person accountable for the environment.')
param owner string

@description('Tag: cost centre billed for the environment.')
param costCentre string

// ---- Function App and connection budget (issue 10) ----
@description('Flex Consumption scale-out ceiling. maximumInstanceCount x dbPoolMaxSize must fit the database connection budget (tests/infra).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Always-ready instances for HTTP functions (prod: 1, against cold starts).')
@minValue(0)
param alwaysReadyInstanceCount int = 0

@description('Memory per Flex Consumption instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('DB_POOL_MIN_SIZE: connections each instance keeps open.')
@minValue(0)
param dbPoolMinSize int = 1

@description('DB_POOL_MAX_SIZE: most connections one instance may hold.')
@minValue(1)
param dbPoolMaxSize int

@description('DB_POOL_TIMEOUT_SECONDS: wait for a free connection before answering 503.')
@minValue(1)
param dbPoolTimeoutSeconds int = 5

// 16 requests per instance for a pool of 4: one async worker serves them on one event loop, and a
// request spends most of its time waiting on PostgreSQL or bcrypt (in a thread), so 4x the pool
// keeps the connections busy while a request waits at most a few queries' time for one (well
// under DB_POOL_TIMEOUT_SECONDS). More per instance would only queue on the pool; fewer would
// scale out sooner and spend the connection budget on idle pools (tests/infra checks 1-4x pool).
@description('HTTP requests one instance takes at once before Flex Consumption adds an instance.')
@minValue(1)
param httpPerInstanceConcurrency int = 16

@description('FUNCTIONS_WORKER_PROCESS_COUNT: worker processes per instance; each holds its own pool, so the connection budget multiplies by it.')
@minValue(1)
@maxValue(10)
param workerProcessCount int = 1

@description('Database connections kept free for migrations and operators; the budget test subtracts it.')
@minValue(3)
param databaseConnectionReserve int = 5

// ---- PostgreSQL ----
@description('One switch for issue 10: true = General Purpose SKU, built-in PgBouncer on, app connects on 6432 with DB_PGBOUNCER=true.')
param pgbouncerEnabled bool = false

@description('SKU while PgBouncer is off.')
param postgresBurstableSku string = 'Standard_B1ms'

@description('SKU while PgBouncer is on.')
param postgresGeneralPurposeSku string = 'Standard_D2ds_v5'

@minValue(32)
param postgresStorageSizeGB int = 32

@description('Point-in-time restore window in days.')
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int

@description('Geo-redundant backups (only settable when the server is created).')
param postgresGeoRedundantBackup bool

@description('Add the Azure-services firewall rule (0.0.0.0-0.0.0.0) when the server is public (dev); never with privateNetworking.')
param allowAzureServicesToDatabase bool = true

@description('The deployment identity (pipeline, or the developer under azd): object id of the PostgreSQL Entra administrator that runs the migrations. Empty: no administrator set by this template. Never the app identity. Ignored for the administrator with privateNetworking: there the migration identity devopps-id-deploy-<env> is (infra/migrate.bicep).')
param deployerPrincipalId string = ''

@description('Its PostgreSQL role name: the user principal name, or the service principal display name.')
param deployerPrincipalName string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'ServicePrincipal'

@description('Also give the deployment identity Key Vault Secrets Officer on both vaults (azd: the hook writes the generated secrets). The pipeline is granted it outside the template.')
param deployerWritesSecrets bool = false

@description('One IPv4 address let through the database firewall (azd: the developer running the migration hook); empty: none. Ignored with privateNetworking.')
param databaseClientIpAddress string = ''

// ---- Private networking ----
@description('uat and prod: a VNet for the Function App and private endpoints for PostgreSQL, Key Vault and storage, whose public network access is then off.')
param privateNetworking bool

// ---- Key Vault, storage, monitoring ----
@description('Key Vault purge protection (cannot be turned off again).')
param keyVaultPurgeProtection bool

@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionDays int = 90

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param storageSku string = 'Standard_LRS'

@minValue(30)
param logRetentionDays int = 30

param appInsightsRetentionDays int = 90

// ---- Container registry (only for a container deployment) ----
@description('Deploy a container registry and grant the app AcrPull.')
param deployContainerRegistry bool = false

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param containerRegistrySku string = 'Basic'

// ---- Alerts, availability test, budget ----
@description('Run the /api/health availability test (uat and prod).')
param availabilityTestEnabled bool

@description('E-mail addresses for every alert and the budget.')
param alertEmails array = []

@minValue(1)
param responseTimeThresholdSeconds int = 2

@minValue(1)
param http5xxThreshold int = 5

@description('Monthly budget for the resource group; 0 = no budget.')
@minValue(0)
param budgetAmount int = 0

@description('First day of the first budget month (yyyy-MM-01); needed when budgetAmount > 0.')
param budgetStartDate string = ''

// ---- Password-reset mail (issue 15) ----
@description('Data location of the Communication Services Email resources (an ACS data location, e.g. Europe, United States); fixed once created.')
param emailDataLocation string = 'Europe'

// ---- Strong customer authentication (issue 17) ----
@description('SCA_REQUIRED_FOR_CUSTOMERS: every customer must enrol a second factor (prod); staff always must.')
param scaRequiredForCustomers bool

// ---- App settings ----
param jwtIssuer string = 'iebank'
param jwtAudience string = 'iebank-api'

// Lowercase letters and digits only, at most 13 characters: fits every name below, the storage
// account (3-24, letters and digits) and Key Vault (3-24) included, whatever azd's name holds.
var azdNameLetters = toLower(replace(replace(replace(replace(replace(azdEnvironmentName, '-', ''), '_', ''), '.', ''), '(', ''), ')', ''))
var nameToken = empty(azdEnvironmentName) ? environmentName : '${take(azdNameLetters, 8)}${take(uniqueString(subscription().id, resourceGroup().id, azdEnvironmentName), 5)}'
var baseTags = {
  environment: environmentName
  application: 'iebank'
  owner: owner
  costCentre: costCentre
}
var tags = empty(azdEnvironmentName) ? baseTags : union(baseTags, {
  'azd-env-name': azdEnvironmentName
})
var deploymentContainerName = 'app-package'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
var databaseName = 'iebank'
var registryName = 'devoppsacr${nameToken}'

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: 'devopps-id-be-${nameToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: 'devopps-law-${nameToken}'
    appInsightsName: 'devopps-insights-${nameToken}'
    location: location
    tags: tags
    workspaceRetentionDays: logRetentionDays
    appInsightsRetentionDays: appInsightsRetentionDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'devoppsst${nameToken}'
    location: location
    tags: tags
    skuName: storageSku
    deploymentContainerName: deploymentContainerName
    privateNetworking: privateNetworking
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: 'devopps-kv-${nameToken}'
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    enablePurgeProtection: keyVaultPurgeProtection
    softDeleteRetentionDays: keyVaultSoftDeleteRetentionDays
    privateNetworking: privateNetworking
  }
}

// The Slack relay's vault: only slack-webhook-url. Public in every environment, because a
// Consumption Logic App cannot reach a private endpoint; it holds nothing that grants access.
module alertVault 'modules/keyvault.bicep' = {
  name: 'alertvault'
  params: {
    name: 'devopps-al-${nameToken}'
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    enablePurgeProtection: keyVaultPurgeProtection
    softDeleteRetentionDays: keyVaultSoftDeleteRetentionDays
    privateNetworking: false
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  params: {
    name: 'devopps-vnet-${nameToken}'
    location: location
    tags: tags
  }
}

// uat and prod: the migrations run inside the VNet as a deployment script (infra/migrate.bicep,
// deployed by the pipeline after this template) under this identity, the server's only Entra
// administrator there. Its one Azure role is on the script's own storage account (migrationrunner).
module deploymentIdentity 'modules/identity.bicep' = if (privateNetworking) {
  name: 'deployment-identity'
  params: {
    name: 'devopps-id-deploy-${nameToken}'
    location: location
    tags: tags
  }
}

module migrationRunner 'modules/migrationrunner.bicep' = if (privateNetworking) {
  name: 'migration-runner'
  params: {
    name: 'devoppsscr${nameToken}'
    endpointName: 'devopps-pe-file-${nameToken}'
    location: location
    tags: tags
    deploymentPrincipalId: privateNetworking ? deploymentIdentity.outputs.principalId : ''
    endpointsSubnetId: privateNetworking ? network.outputs.endpointsSubnetId : ''
    fileZoneId: privateNetworking ? network.outputs.fileZoneId : ''
  }
}

// uat and prod: the app's generated secrets are created inside the VNet by a deployment script
// (infra/secrets.bicep, deployed by the pipeline after this template) under this identity, which
// can list secret names and set a secret on the app's vault only (secretswriter.bicep), because
// the vault has no public endpoint for the pipeline's runner. Not the migration identity: each
// script holds only what it needs.
module secretsIdentity 'modules/identity.bicep' = if (privateNetworking) {
  name: 'secrets-identity'
  params: {
    name: 'devopps-id-secrets-${nameToken}'
    location: location
    tags: tags
  }
}

module secretsWriter 'modules/secretswriter.bicep' = if (privateNetworking) {
  name: 'secrets-writer'
  params: {
    vaultName: keyVault.outputs.name
    scriptStorageName: privateNetworking ? migrationRunner.outputs.storageName : ''
    secretsPrincipalId: privateNetworking ? secretsIdentity.outputs.principalId : ''
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    name: 'devopps-dbsrv-${nameToken}'
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    databaseName: databaseName
    pgbouncerEnabled: pgbouncerEnabled
    burstableSkuName: postgresBurstableSku
    generalPurposeSkuName: postgresGeneralPurposeSku
    storageSizeGB: postgresStorageSizeGB
    backupRetentionDays: postgresBackupRetentionDays
    geoRedundantBackup: postgresGeoRedundantBackup
    allowAzureServices: allowAzureServicesToDatabase
    administratorEnabled: privateNetworking || (!empty(deployerPrincipalId))
    adminObjectId: privateNetworking ? deploymentIdentity.outputs.principalId : deployerPrincipalId
    adminName: privateNetworking ? deploymentIdentity.outputs.name : deployerPrincipalName
    adminType: privateNetworking ? 'ServicePrincipal' : deployerPrincipalType
    privateNetworking: privateNetworking
    clientIpAddress: databaseClientIpAddress
  }
}

module postgresEndpoint 'modules/privateendpoint.bicep' = if (privateNetworking) {
  name: 'pe-postgres'
  params: {
    name: 'devopps-pe-db-${nameToken}'
    location: location
    tags: tags
    subnetId: privateNetworking ? network.outputs.endpointsSubnetId : ''
    serviceId: postgres.outputs.id
    groupId: 'postgresqlServer'
    dnsZoneId: privateNetworking ? network.outputs.postgresZoneId : ''
  }
}

module keyVaultEndpoint 'modules/privateendpoint.bicep' = if (privateNetworking) {
  name: 'pe-keyvault'
  params: {
    name: 'devopps-pe-kv-${nameToken}'
    location: location
    tags: tags
    subnetId: privateNetworking ? network.outputs.endpointsSubnetId : ''
    serviceId: keyVault.outputs.id
    groupId: 'vault'
    dnsZoneId: privateNetworking ? network.outputs.keyVaultZoneId : ''
  }
}

module blobEndpoint 'modules/privateendpoint.bicep' = if (privateNetworking) {
  name: 'pe-blob'
  params: {
    name: 'devopps-pe-blob-${nameToken}'
    location: location
    tags: tags
    subnetId: privateNetworking ? network.outputs.endpointsSubnetId : ''
    serviceId: storage.outputs.id
    groupId: 'blob'
    dnsZoneId: privateNetworking ? network.outputs.blobZoneId : ''
  }
}

module queueEndpoint 'modules/privateendpoint.bicep' = if (privateNetworking) {
  name: 'pe-queue'
  params: {
    name: 'devopps-pe-queue-${nameToken}'
    location: location
    tags: tags
    subnetId: privateNetworking ? network.outputs.endpointsSubnetId : ''
    serviceId: storage.outputs.id
    groupId: 'queue'
    dnsZoneId: privateNetworking ? network.outputs.queueZoneId : ''
  }
}

module tableEndpoint 'modules/privateendpoint.bicep' = if (privateNetworking) {
  name: 'pe-table'
  params: {
    name: 'devopps-pe-table-${nameToken}'
    location: location
    tags: tags
    subnetId: privateNetworking ? network.outputs.endpointsSubnetId : ''
    serviceId: storage.outputs.id
    groupId: 'table'
    dnsZoneId: privateNetworking ? network.outputs.tableZoneId : ''
  }
}

resource appVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: 'devopps-kv-${nameToken}'
}

resource relayVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: 'devopps-al-${nameToken}'
}

// azd: the developer's hook writes the generated secrets. Never granted to the app or the relay.
resource deployerWritesAppSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deployerWritesSecrets && (!empty(deployerPrincipalId))) {
  name: guid(appVault.id, deployerPrincipalId, keyVaultSecretsOfficer)
  scope: appVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
  dependsOn: [
    keyVault
  ]
}

resource deployerWritesRelaySecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deployerWritesSecrets && (!empty(deployerPrincipalId))) {
  name: guid(relayVault.id, deployerPrincipalId, keyVaultSecretsOfficer)
  scope: relayVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
  dependsOn: [
    alertVault
  ]
}

module registry 'modules/registry.bicep' = if (deployContainerRegistry) {
  name: 'registry'
  params: {
    name: registryName
    location: location
    tags: tags
    skuName: containerRegistrySku
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    appPrincipalId: identity.outputs.principalId
    keyVaultName: keyVault.outputs.name
    storageName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    registryName: deployContainerRegistry ? registryName : ''
  }
  dependsOn: [
    registry
  ]
}

module email 'modules/email.bicep' = {
  name: 'email'
  params: {
    emailServiceName: 'devopps-ecs-${nameToken}'
    communicationServiceName: 'devopps-acs-${nameToken}'
    tags: tags
    dataLocation: emailDataLocation
    appPrincipalId: identity.outputs.principalId
  }
}

// Before the Function App, which takes its host name (PUBLIC_BASE_URL); linked to it below.
module staticWebApp 'modules/staticwebapp.bicep' = {
  name: 'staticwebapp'
  params: {
    name: 'devopps-swa-${nameToken}'
    location: staticWebAppLocation
    tags: empty(azdEnvironmentName) ? tags : union(tags, {
      'azd-service-name': 'web'
    })
    workspaceId: monitoring.outputs.workspaceId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: 'devopps-be-${nameToken}'
    planName: 'devopps-asp-${nameToken}'
    location: location
    tags: tags
    // azd finds the resource a service deploys to by this tag (azure.yaml, service api).
    siteTags: empty(azdEnvironmentName) ? {} : {
      'azd-service-name': 'api'
    }
    workspaceId: monitoring.outputs.workspaceId
    appEnv: environmentName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    identityName: identity.outputs.name
    storageName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultUri: keyVault.outputs.uri
    databaseFqdn: postgres.outputs.fqdn
    databaseName: databaseName
    pgbouncerEnabled: pgbouncerEnabled
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyInstanceCount: alwaysReadyInstanceCount
    instanceMemoryMB: instanceMemoryMB
    dbPoolMinSize: dbPoolMinSize
    dbPoolMaxSize: dbPoolMaxSize
    dbPoolTimeoutSeconds: dbPoolTimeoutSeconds
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    workerProcessCount: workerProcessCount
    virtualNetworkSubnetId: privateNetworking ? network.outputs.appsSubnetId : ''
    jwtIssuer: jwtIssuer
    jwtAudience: jwtAudience
    mailEndpoint: email.outputs.endpoint
    mailSender: email.outputs.senderAddress
    publicBaseUrl: 'https://${staticWebApp.outputs.defaultHostname}'
    scaRequiredForCustomers: scaRequiredForCustomers
    webAuthnHost: staticWebApp.outputs.defaultHostname
  }
  dependsOn: [
    roles
    blobEndpoint
    queueEndpoint
    tableEndpoint
  ]
}

module staticWebAppLink 'modules/staticwebapplink.bicep' = {
  name: 'staticwebapp-link'
  params: {
    staticWebAppName: staticWebApp.outputs.name
    backendResourceId: functionApp.outputs.id
    backendLocation: functionApp.outputs.location
  }
}

module alerting 'modules/alerting.bicep' = {
  name: 'alerting'
  params: {
    environmentName: nameToken
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    keyVaultUri: alertVault.outputs.uri
    keyVaultName: alertVault.outputs.name
    appKeyVaultId: keyVault.outputs.id
    functionAppId: functionApp.outputs.id
    postgresServerId: postgres.outputs.id
    alertEmails: alertEmails
    responseTimeThresholdSeconds: responseTimeThresholdSeconds
    http5xxThreshold: http5xxThreshold
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  params: {
    environmentName: nameToken
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
  }
}

module availability 'modules/availability.bicep' = if (availabilityTestEnabled) {
  name: 'availability'
  params: {
    environmentName: nameToken
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    actionGroupId: alerting.outputs.actionGroupId
    hostName: staticWebApp.outputs.defaultHostname
  }
}

module budget 'modules/budget.bicep' = if (budgetAmount > 0) {
  name: 'budget'
  params: {
    name: 'devopps-budget-${nameToken}'
    amount: budgetAmount
    startDate: budgetStartDate
    actionGroupId: alerting.outputs.actionGroupId
    contactEmails: alertEmails
  }
}

@description('Base URL of the API, through the Static Web App (linked backend).')
output apiBaseUrl string = 'https://${staticWebApp.outputs.defaultHostname}/api'

@description('Default host name of the Static Web App.')
output staticWebAppHostName string = staticWebApp.outputs.defaultHostname

@description('Key Vault URI; the pipeline writes the secrets here.')
output keyVaultUri string = keyVault.outputs.uri

@description('Function App name, for the code deployment step.')
output functionAppName string = functionApp.outputs.name

@description('Static Web App name, for the frontend deployment step.')
output staticWebAppName string = staticWebApp.outputs.name

@description('The Function App identity\'s PostgreSQL role name: the migration step sets its statement timeout.')
output appDatabaseRole string = identity.outputs.name

@description('uat and prod: PostgreSQL is private, so the pipeline runs the migrations with infra/migrate.bicep instead of from its runner.')
output privateNetworking bool = privateNetworking

@description('Key Vault of the Slack relay: the pipeline writes slack-webhook-url here.')
output alertKeyVaultName string = alertVault.outputs.name

// For azd: it stores outputs as environment variables that the hooks read (azure.yaml).
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_ALERT_KEY_VAULT_NAME string = alertVault.outputs.name
output AZURE_POSTGRES_HOST string = postgres.outputs.fqdn
output AZURE_APP_DB_ROLE string = identity.outputs.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_STATIC_WEB_APP_NAME string = staticWebApp.outputs.name
output AZURE_SITE_URL string = 'https://${staticWebApp.outputs.defaultHostname}'
