// Password-reset mail (issue 15): Azure Communication Services Email with an Azure-managed
// sender domain, linked to a Communication Services resource that the Function App calls with its
// managed identity. Local (access key) authentication is off, so no connection string exists
// that a setting, a log or a leaked key could carry.
param emailServiceName string
param communicationServiceName string
param tags object

@description('Where both services keep their data at rest (an ACS data location such as Europe); fixed once created.')
param dataLocation string

@description('Object id of the Function App identity, which sends the mail.')
param appPrincipalId string

// The built-in Communication and Email Service Owner role would also let the app list and
// regenerate keys, delete the resource and manage every domain and sender. Microsoft documents
// these three actions as what sending with an Entra identity needs (SMTP/Entra authentication
// quickstart); ACS email has no data actions to grant instead.
var emailSenderActions = [
  'Microsoft.Communication/CommunicationServices/Read'
  'Microsoft.Communication/CommunicationServices/Write'
  'Microsoft.Communication/EmailServices/write'
]

resource emailService 'Microsoft.Communication/emailServices@2025-09-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// Azure-managed: Microsoft owns the DNS, SPF and DKIM of a <guid>.azurecomm.net domain, so no
// domain verification step is needed. Engagement tracking would rewrite the reset link.
resource domain 'Microsoft.Communication/emailServices/domains@2025-09-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource communication 'Microsoft.Communication/communicationServices@2025-09-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      domain.id
    ]
    disableLocalAuth: true
  }
}

// Role names are unique in the tenant and a custom role outlives its resource group, so the name
// carries the resource group's hash as well as the resource's.
resource emailSender 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, communicationServiceName, 'email-sender')
  properties: {
    roleName: 'IE Bank email sender ${communicationServiceName} ${uniqueString(resourceGroup().id)}'
    description: 'Send email through one Communication Services resource with an Entra identity; no keys, no delete.'
    type: 'CustomRole'
    permissions: [
      {
        actions: emailSenderActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

resource appSendsMail 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, appPrincipalId, emailSender.name)
  scope: communication
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', emailSender.name)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

@description('ACS_EMAIL_ENDPOINT: what EmailClient(endpoint, credential) takes.')
output endpoint string = 'https://${communication.properties.hostName}'

@description('MAIL_SENDER: the fixed DoNotReply sender every Azure-managed domain has.')
output senderAddress string = 'DoNotReply@${domain.properties.mailFromSenderDomain}'
