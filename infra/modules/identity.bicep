// The Function App's user-assigned managed identity. User-assigned (not system-assigned) so
// its name and principal id exist before the site does: PostgreSQL needs them to register
// the identity as its Entra principal, and DATABASE_URL carries the name as the user.
@description('Identity name, e.g. devopps-id-be-dev.')
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
