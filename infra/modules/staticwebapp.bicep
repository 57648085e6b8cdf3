// Static Web App serving the Vue SPA. Its linked backend (requests to /api/* go to the Function
// App) is staticwebapplink.bicep, deployed after the Function App: the Function App needs this
// site's host name first (PUBLIC_BASE_URL, the address in password-reset mail). Linked backends
// need the Standard SKU, so every environment uses Standard (the older design had Free in dev).
param name string
param tags object
param workspaceId string

@description('Static Web Apps are offered in a few regions only; the backend may be elsewhere.')
param location string

resource site 'Microsoft.Web/staticSites@2023-12-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    allowConfigFileUpdates: true
    stagingEnvironmentPolicy: 'Enabled'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
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

output id string = site.id
output name string = site.name
output defaultHostname string = site.properties.defaultHostname
