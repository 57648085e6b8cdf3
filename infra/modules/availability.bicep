// Standard availability test against GET /api/health through the Static Web App (the linked
// backend only answers calls that come through the site), plus its alert to the action group.
param environmentName string
param location string
param tags object
param appInsightsId string
param actionGroupId string

@description('Host name the test calls, e.g. the Static Web App default host name.')
param hostName string

var testName = 'devopps-avail-health-${environmentName}'

resource healthTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: testName
  location: location
  // The hidden-link tag ties the test to its Application Insights component.
  tags: union(tags, {
    'hidden-link:${appInsightsId}': 'Resource'
  })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: testName
    Name: testName
    Description: 'GET /api/health answers 200'
    Enabled: true
    Kind: 'standard'
    Frequency: 300
    Timeout: 30
    RetryEnabled: true
    Locations: [
      {
        Id: 'emea-nl-ams-azr'
      }
      {
        Id: 'emea-gb-db3-azr'
      }
      {
        Id: 'emea-fr-pra-edge'
      }
    ]
    Request: {
      RequestUrl: 'https://${hostName}/api/health'
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

resource healthAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'devopps-alert-availability-${environmentName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'GET /api/health failed from 2 or more test locations.'
    severity: 1
    enabled: true
    scopes: [
      healthTest.id
      appInsightsId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria'
      webTestId: healthTest.id
      componentId: appInsightsId
      failedLocationCount: 2
    }
    actions: [
      {
        actionGroupId: actionGroupId
      }
    ]
  }
}
