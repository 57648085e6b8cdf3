import { describe, expect, it } from 'vitest'
import { describeAction, describeChanges } from './auditChanges'

describe('audit change descriptions', () => {
  it('shows before → after pairs and plain values', () => {
    expect(
      describeChanges({
        status: { before: 'active', after: 'frozen' },
        amount: '250.00',
        closed_accounts: [],
        email: { before: null, after: 'a@example.com' },
      }),
    ).toEqual(['status: active → frozen', 'amount: 250.00', 'closed_accounts: none', 'email: — → a@example.com'])
  })

  it('has nothing to say about no changes', () => {
    expect(describeChanges({})).toEqual([])
    expect(describeChanges(null)).toEqual([])
  })
})

describe('audit action names', () => {
  it('reads as words staff understand, not as event codes', () => {
    expect(describeAction('account.status')).toBe('Account status changed')
    expect(describeAction('user.delete')).toBe('User taken out of service')
    expect(describeAction('login.failed')).toBe('Login failed')
  })
})
