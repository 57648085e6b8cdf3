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

  it('names the customers’ security events and self-service', () => {
    expect(describeAction('auth.login_failed')).toBe('Failed sign-in')
    expect(describeAction('auth.locked_out')).toBe('Sign-in locked after failed attempts')
    expect(describeAction('user.unlock')).toBe('Sign-in unlocked')
    expect(describeAction('user.register')).toBe('Customer registered')
    expect(describeAction('user.email_change')).toBe('Email changed by the customer')
    expect(describeAction('account.close')).toBe('Account closed by the customer')
  })
})
