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

// Microsoft.Communication has no data action to send mail, and Microsoft documents a custom role
// (CommunicationServices/Read, /Write, EmailServices/write) only for SMTP authentication, not for
// the EmailClient REST API the app uses; the documented role for Entra-authenticated sending is
// the built-in Communication and Email Service Owner. It is assigned on this one resource only,
// and local auth is off, so the keys it could list authenticate nothing (README, Deploy to Azure).
var communicationAndEmailServiceOwner = '09976791-48a7-449e-bb21-39d1a415f350'

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

resource appSendsMail 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, appPrincipalId, communicationAndEmailServiceOwner)
  scope: communication
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', communicationAndEmailServiceOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

@description('ACS_EMAIL_ENDPOINT: what EmailClient(endpoint, credential) takes.')
output endpoint string = 'https://${communication.properties.hostName}'

@description('MAIL_SENDER: the fixed DoNotReply sender every Azure-managed domain has.')
output senderAddress string = 'DoNotReply@${domain.properties.mailFromSenderDomain}'
