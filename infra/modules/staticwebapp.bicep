// Static Web App serving the Vue SPA, with the Function App as its linked backend: requests to
// /api/* on the site go to the Function App. Linked backends need the Standard SKU, so every
// environment uses Standard (the older design had Free in dev).
param name string
param tags object
param workspaceId string

@description('Static Web Apps are offered in a few regions only; the backend may be elsewhere.')
param location string

@description('Resource id of the Function App to link.')
param backendResourceId string

@description('Region of the Function App.')
param backendLocation string

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

resource backend 'Microsoft.Web/staticSites/linkedBackends@2023-12-01' = {
  parent: site
  name: 'api'
  properties: {
    backendResourceId: backendResourceId
    region: backendLocation
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
