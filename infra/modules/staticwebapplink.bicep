// The Static Web App's linked backend: requests to /api/* on the site go to the Function App.
// Apart from staticwebapp.bicep so the site exists before the Function App (which is given the
// site's host name) and the link after it.
param staticWebAppName string

@description('Resource id of the Function App to link.')
param backendResourceId string

@description('Region of the Function App.')
param backendLocation string

resource site 'Microsoft.Web/staticSites@2023-12-01' existing = {
  name: staticWebAppName
}

resource backend 'Microsoft.Web/staticSites/linkedBackends@2023-12-01' = {
  parent: site
  name: 'api'
  properties: {
    backendResourceId: backendResourceId
    region: backendLocation
  }
}
