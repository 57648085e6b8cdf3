// Monthly cost budget for the environment's resource group, notifying the action group and
// optional e-mail addresses at 80% of actual and 100% of forecast spend.
@description('Budget name, e.g. devopps-budget-dev.')
param name string

@description('Monthly amount in the billing currency.')
@minValue(1)
param amount int

@description('First day of the first budget month, yyyy-MM-01.')
param startDate string

param actionGroupId string
param contactEmails array

resource budget 'Microsoft.Consumption/budgets@2023-11-01' = {
  name: name
  properties: {
    category: 'Cost'
    amount: amount
    timeGrain: 'Monthly'
    timePeriod: {
      startDate: startDate
    }
    notifications: {
      actual80: {
        enabled: true
        operator: 'GreaterThanOrEqualTo'
        threshold: 80
        thresholdType: 'Actual'
        contactGroups: [
          actionGroupId
        ]
        contactEmails: contactEmails
      }
      forecast100: {
        enabled: true
        operator: 'GreaterThanOrEqualTo'
        threshold: 100
        thresholdType: 'Forecasted'
        contactGroups: [
          actionGroupId
        ]
        contactEmails: contactEmails
      }
    }
  }
}
