// Alerting: one action group that every alert targets, a Logic App that relays alerts to Slack
// (the webhook URL is read from Key Vault at run time, with secure inputs/outputs so it never
// shows in run history), metric alerts on the platform metrics and log alerts on the SLIs.
param environmentName string
param location string
param tags object
param workspaceId string
@description('The relay\'s own vault (slack-webhook-url only).')
param keyVaultUri string
param keyVaultName string

@description('The app\'s vault, whose availability is alerted on.')
param appKeyVaultId string
param functionAppId string
param postgresServerId string

@description('E-mail addresses that receive every alert (may be empty).')
param alertEmails array

@description('Average HTTP response time, in seconds, above which the latency alert fires.')
param responseTimeThresholdSeconds int

@description('HTTP 5xx responses per 5 minutes above which the error alert fires.')
param http5xxThreshold int

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var actionGroupName = 'devopps-ag-${environmentName}'
var relayName = 'devopps-logic-slack-${environmentName}'

resource relay 'Microsoft.Logic/workflows@2019-05-01' = {
  name: relayName
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    state: 'Enabled'
    definition: loadJsonContent('../workflows/slack-alert-relay.json')
    parameters: {
      keyVaultUri: {
        value: keyVaultUri
      }
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// The relay reads slack-webhook-url at run time, from a vault that holds nothing else (main.bicep,
// alertVault): the app's vault, with the JWT signing key, is out of its reach. A secret-scoped
// assignment would need the secret to exist before the first deployment.
resource relayReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, relayName, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: relay.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    // At most 12 characters.
    groupShortName: take('iebank-${environmentName}', 12)
    enabled: true
    emailReceivers: [for email in alertEmails: {
      name: 'email-${uniqueString(email)}'
      emailAddress: email
      useCommonAlertSchema: true
    }]
    logicAppReceivers: [
      {
        name: 'slack-relay'
        resourceId: relay.id
        callbackUrl: listCallbackUrl('${relay.id}/triggers/manual', '2019-05-01').value
        useCommonAlertSchema: true
      }
    ]
  }
}

// Platform metric alerts. Thresholds in a table so every alert is built the same way and all
// of them go to the action group.
var metricAlerts = [
  {
    name: 'devopps-alert-http-latency-${environmentName}'
    description: 'Average API response time above ${responseTimeThresholdSeconds}s for 5 minutes.'
    severity: 2
    scope: functionAppId
    metricNamespace: 'Microsoft.Web/sites'
    metricName: 'HttpResponseTime'
    operator: 'GreaterThan'
    threshold: responseTimeThresholdSeconds
    timeAggregation: 'Average'
    windowSize: 'PT5M'
  }
  {
    name: 'devopps-alert-http-5xx-${environmentName}'
    description: 'More than ${http5xxThreshold} HTTP 5xx responses in 5 minutes.'
    severity: 1
    scope: functionAppId
    metricNamespace: 'Microsoft.Web/sites'
    metricName: 'Http5xx'
    operator: 'GreaterThan'
    threshold: http5xxThreshold
    timeAggregation: 'Total'
    windowSize: 'PT5M'
  }
  {
    name: 'devopps-alert-db-cpu-${environmentName}'
    description: 'PostgreSQL CPU above 90% for 15 minutes.'
    severity: 2
    scope: postgresServerId
    metricNamespace: 'Microsoft.DBforPostgreSQL/flexibleServers'
    metricName: 'cpu_percent'
    operator: 'GreaterThan'
    threshold: 90
    timeAggregation: 'Average'
    windowSize: 'PT15M'
  }
  {
    name: 'devopps-alert-db-memory-${environmentName}'
    description: 'PostgreSQL memory above 90% for 15 minutes.'
    severity: 2
    scope: postgresServerId
    metricNamespace: 'Microsoft.DBforPostgreSQL/flexibleServers'
    metricName: 'memory_percent'
    operator: 'GreaterThan'
    threshold: 90
    timeAggregation: 'Average'
    windowSize: 'PT15M'
  }
  {
    name: 'devopps-alert-kv-availability-${environmentName}'
    description: 'Key Vault availability under 99.9% over an hour.'
    severity: 1
    scope: appKeyVaultId
    metricNamespace: 'Microsoft.KeyVault/vaults'
    metricName: 'Availability'
    operator: 'LessThan'
    threshold: json('99.9')
    timeAggregation: 'Average'
    windowSize: 'PT1H'
  }
]

resource platformAlerts 'Microsoft.Insights/metricAlerts@2018-03-01' = [for alert in metricAlerts: {
  name: alert.name
  location: 'global'
  tags: tags
  properties: {
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [
      alert.scope
    ]
    evaluationFrequency: 'PT5M'
    windowSize: alert.windowSize
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          name: alert.metricName
          criterionType: 'StaticThresholdCriterion'
          metricNamespace: alert.metricNamespace
          metricName: alert.metricName
          operator: alert.operator
          threshold: alert.threshold
          timeAggregation: alert.timeAggregation
          skipMetricValidation: true
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}]

// Log alerts on the SLIs, from the same query files the workbook and docs/slo.md use.
var sloAlerts = [
  {
    name: 'devopps-alert-slo-availability-${environmentName}'
    description: 'API availability (non-5xx share) under 99.9% over the last hour; SLO in docs/slo.md.'
    severity: 1
    query: loadTextContent('../queries/api-availability.kql')
    metricMeasureColumn: 'AvailabilityPercent'
    operator: 'LessThan'
    threshold: json('99.9')
  }
  {
    name: 'devopps-alert-slo-transfer-latency-${environmentName}'
    description: 'p95 latency of transfers above 500 ms over the last hour; SLO in docs/slo.md.'
    severity: 2
    query: loadTextContent('../queries/transfer-latency.kql')
    metricMeasureColumn: 'P95DurationMs'
    operator: 'GreaterThan'
    threshold: 500
  }
]

resource sloLogAlerts 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for alert in sloAlerts: {
  name: alert.name
  location: location
  tags: tags
  properties: {
    displayName: alert.name
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Average'
          metricMeasureColumn: alert.metricMeasureColumn
          operator: alert.operator
          threshold: alert.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}]

output actionGroupId string = actionGroup.id
