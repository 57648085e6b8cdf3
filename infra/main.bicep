// IE Bank, one environment (dev, uat or prod) in its own resource group.
// Deploy: see infra/README.md. Every per-environment choice is a parameter, set in
// infra/parameters/<env>.parameters.json; no parameter carries a secret.
targetScope = 'resourceGroup'

@description('Environment name; part of every resource name (devopps-<kind>-<env>).')
@allowed([
  'dev'
  'uat'
  'prod'
])
param environmentName string

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

@description('Add the Azure-services firewall rule (0.0.0.0-0.0.0.0); needed while the app has no VNet.')
param allowAzureServicesToDatabase bool = true

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

// ---- App settings ----
param jwtIssuer string = 'iebank'
param jwtAudience string = 'iebank-api'

var tags = {
  environment: environmentName
  application: 'iebank'
  owner: owner
  costCentre: costCentre
}
var deploymentContainerName = 'app-package'
var databaseName = 'iebank'
var registryName = 'devoppsacr${environmentName}'

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: 'devopps-id-be-${environmentName}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: 'devopps-law-${environmentName}'
    appInsightsName: 'devopps-insights-${environmentName}'
    location: location
    tags: tags
    workspaceRetentionDays: logRetentionDays
    appInsightsRetentionDays: appInsightsRetentionDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'devoppsst${environmentName}'
    location: location
    tags: tags
    skuName: storageSku
    deploymentContainerName: deploymentContainerName
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: 'devopps-kv-${environmentName}'
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    enablePurgeProtection: keyVaultPurgeProtection
    softDeleteRetentionDays: keyVaultSoftDeleteRetentionDays
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    name: 'devopps-dbsrv-${environmentName}'
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
    appIdentityPrincipalId: identity.outputs.principalId
    appIdentityName: identity.outputs.name
  }
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
    appInsightsName: monitoring.outputs.appInsightsName
    registryName: deployContainerRegistry ? registryName : ''
  }
  dependsOn: [
    registry
  ]
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: 'devopps-be-${environmentName}'
    planName: 'devopps-asp-${environmentName}'
    location: location
    tags: tags
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
    jwtIssuer: jwtIssuer
    jwtAudience: jwtAudience
  }
  dependsOn: [
    roles
  ]
}

module staticWebApp 'modules/staticwebapp.bicep' = {
  name: 'staticwebapp'
  params: {
    name: 'devopps-swa-${environmentName}'
    location: staticWebAppLocation
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    backendResourceId: functionApp.outputs.id
    backendLocation: functionApp.outputs.location
  }
}

module alerting 'modules/alerting.bicep' = {
  name: 'alerting'
  params: {
    environmentName: environmentName
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    keyVaultUri: keyVault.outputs.uri
    keyVaultName: keyVault.outputs.name
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
    environmentName: environmentName
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
  }
}

module availability 'modules/availability.bicep' = if (availabilityTestEnabled) {
  name: 'availability'
  params: {
    environmentName: environmentName
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
    name: 'devopps-budget-${environmentName}'
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
