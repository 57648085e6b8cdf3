// Operations workbook over the Log Analytics workspace. Each KQL query lives in infra/queries/
// and is loaded here, so the workbook, the log alerts and docs/slo.md share one source.
param environmentName string
param location string
param tags object
param workspaceId string

var panels = [
  {
    name: 'request-rate'
    title: 'Request rate (per minute)'
    query: loadTextContent('../queries/request-rate.kql')
    visualization: 'timechart'
  }
  {
    name: 'failures'
    title: 'Failed requests by status'
    query: loadTextContent('../queries/failures.kql')
    visualization: 'barchart'
  }
  {
    name: 'latency-percentiles'
    title: 'Latency percentiles (ms)'
    query: loadTextContent('../queries/latency-percentiles.kql')
    visualization: 'timechart'
  }
  {
    name: 'api-availability'
    title: 'API availability SLI (%)'
    query: loadTextContent('../queries/api-availability.kql')
    visualization: 'timechart'
  }
  {
    name: 'transfer-count'
    title: 'Transfers completed'
    query: loadTextContent('../queries/transfer-count.kql')
    visualization: 'timechart'
  }
  {
    name: 'transfer-latency'
    title: 'Transfer latency p95 (ms)'
    query: loadTextContent('../queries/transfer-latency.kql')
    visualization: 'timechart'
  }
  {
    name: 'login-latency'
    title: 'Login latency p95 (ms)'
    query: loadTextContent('../queries/login-latency.kql')
    visualization: 'timechart'
  }
  {
    name: 'database-load'
    title: 'Database load (CPU %, memory %, connections)'
    query: loadTextContent('../queries/database-load.kql')
    visualization: 'timechart'
  }
  {
    name: 'error-budget'
    title: 'Availability and error budget spent, last 30 days'
    query: loadTextContent('../queries/error-budget.kql')
    visualization: 'table'
    durationMs: 2592000000
  }
  {
    name: 'login-outcomes'
    title: 'Sign-ins: succeeded, failed, throttled'
    query: loadTextContent('../queries/login-outcomes.kql')
    visualization: 'timechart'
  }
  {
    name: 'business-metrics'
    title: 'Transfers and logins (custom metrics)'
    query: loadTextContent('../queries/business-metrics.kql')
    visualization: 'table'
  }
  {
    name: 'key-vault-requests'
    title: 'Key Vault requests, throttling and latency'
    query: loadTextContent('../queries/key-vault-requests.kql')
    visualization: 'timechart'
  }
]

var items = [for panel in panels: {
  type: 3
  name: panel.name
  content: {
    version: 'KqlItem/1.0'
    title: panel.title
    query: panel.query
    size: 0
    timeContext: {
      durationMs: contains(panel, 'durationMs') ? panel.durationMs : 86400000
    }
    queryType: 0
    resourceType: 'microsoft.operationalinsights/workspaces'
    visualization: panel.visualization
  }
}]

resource operationsWorkbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'iebank-operations-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'IE Bank operations (${environmentName})'
    category: 'workbook'
    sourceId: workspaceId
    serializedData: string({
      version: 'Notebook/1.0'
      items: items
      isLocked: false
      fallbackResourceIds: [
        workspaceId
      ]
    })
  }
}

output id string = operationsWorkbook.id
