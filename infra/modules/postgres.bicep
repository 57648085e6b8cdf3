// PostgreSQL Flexible Server 16 with passwordless Microsoft Entra authentication only: the
// deployment identity is the Entra administrator and runs the migrations; the Function App's
// identity signs in with a token (DATABASE_AUTH=entra) as a member of iebank_runtime, which owns
// nothing (migrations/0004_runtime_role.sql). Password authentication is off, TLS is required.
param name string
param location string
param tags object
param workspaceId string

@description('Name of the application database.')
param databaseName string

@description('When true: General Purpose SKU with the built-in PgBouncer (port 6432) enabled. When false: the Burstable SKU below. One switch, so the SKU, pgbouncer.enabled and the app setting cannot drift apart (issue 10).')
param pgbouncerEnabled bool

@description('SKU used while PgBouncer is off.')
param burstableSkuName string

@description('SKU used while PgBouncer is on (PgBouncer needs General Purpose or Memory Optimized).')
param generalPurposeSkuName string

@minValue(32)
param storageSizeGB int

@description('Point-in-time restore window in days.')
@minValue(7)
@maxValue(35)
param backupRetentionDays int

@description('Geo-redundant backups (can only be chosen when the server is created).')
param geoRedundantBackup bool

@description('Allow connections from Azure services (the 0.0.0.0-0.0.0.0 rule). The Flex Consumption app has no fixed outbound IP without VNet integration. This is not an all-internet rule.')
param allowAzureServices bool

@description('Set the Entra administrator below (false: none set here, e.g. no deployer given in dev).')
param administratorEnabled bool

@description('Object id of the deployment identity that runs the migrations: the Entra administrator (uat/prod: the migration identity devopps-id-deploy-<env>). The app identity is never an administrator; it connects as a member of iebank_runtime.')
param adminObjectId string

@description('Its PostgreSQL role name (a user principal name, or the service principal or group display name).')
param adminName string

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param adminType string

@description('Public network access off, reached through a private endpoint only (uat and prod).')
param privateNetworking bool

@description('One IPv4 address let through the firewall (a developer running the azd hooks); empty: none.')
param clientIpAddress string

var skuName = pgbouncerEnabled ? generalPurposeSkuName : burstableSkuName
var skuTier = pgbouncerEnabled ? 'GeneralPurpose' : 'Burstable'

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: '16'
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: geoRedundantBackup ? 'Enabled' : 'Disabled'
    }
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Disabled'
      tenantId: subscription().tenantId
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    }
  }
}

resource deploymentAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = if (administratorEnabled) {
  parent: server
  name: adminObjectId
  properties: {
    principalType: adminType
    principalName: adminName
    tenantId: subscription().tenantId
  }
  dependsOn: [
    pgbouncer
  ]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// Server parameters are applied one at a time: the service rejects concurrent updates.
resource requireSecureTransport 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'require_secure_transport'
  properties: {
    value: 'on'
    source: 'user-defined'
  }
  dependsOn: [
    database
  ]
}

resource minimumTlsVersion 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'ssl_min_protocol_version'
  properties: {
    value: 'TLSv1.2'
    source: 'user-defined'
  }
  dependsOn: [
    requireSecureTransport
  ]
}

resource pgbouncer 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'pgbouncer.enabled'
  properties: {
    value: pgbouncerEnabled ? 'true' : 'false'
    source: 'user-defined'
  }
  dependsOn: [
    minimumTlsVersion
  ]
}

resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = if (allowAzureServices && (!privateNetworking)) {
  parent: server
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource allowClient 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = if ((!empty(clientIpAddress)) && (!privateNetworking)) {
  parent: server
  name: 'deployment-client'
  properties: {
    startIpAddress: clientIpAddress
    endIpAddress: clientIpAddress
  }
  dependsOn: [
    allowAzure
  ]
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: server
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

output id string = server.id
output name string = server.name
output fqdn string = server.properties.fullyQualifiedDomainName
output skuName string = skuName
