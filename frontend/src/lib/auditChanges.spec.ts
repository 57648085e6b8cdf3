import { describe, expect, it } from 'vitest'
import { describeAction, describeChanges, describeTarget } from './auditChanges'

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

describe('audit targets', () => {
  it('names a user by username, an account by its grouped number, the export by nothing more', () => {
    expect(describeTarget({ target_type: 'user', target_label: 'aoife' })).toEqual({ kind: 'User', name: 'aoife' })
    expect(describeTarget({ target_type: 'account', target_label: 'IE16IEBK00000000000001' })).toEqual({
      kind: 'Account',
      name: 'IE16 IEBK 0000 0000 0000 01',
    })
    expect(describeTarget({ target_type: 'audit', target_label: 'export' })).toEqual({ kind: 'Audit trail', name: '' })
    expect(describeTarget({ target_type: 'payee', target_label: 'p1' })).toEqual({ kind: 'payee', name: 'p1' })
  })
})
