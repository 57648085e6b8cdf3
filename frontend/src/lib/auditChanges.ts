import { formatAccountNumber } from './iban'

/** Audit `changes` as short lines a person reads: `status: active → frozen`, `amount: 250.00`. */
export function describeChanges(changes: Record<string, unknown> | null | undefined): string[] {
  if (!changes) return []
  return Object.entries(changes).map(([key, value]) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && 'before' in value && 'after' in value) {
      const { before, after } = value as { before: unknown; after: unknown }
      return `${key}: ${show(before)} → ${show(after)}`
    }
    return `${key}: ${show(value)}`
  })
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—'
  if (Array.isArray(value)) return value.length ? value.map(show).join(', ') : 'none'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

// What staff read for each audited action; an action this list does not know yet (the API adds
// security events over time) is shown from its name: `user.unlock` → "User unlock".
const ACTIONS: Record<string, string> = {
  'account.deposit': 'Cash deposit',
  'account.status': 'Account status changed',
  'account.update': 'Account details changed',
  'user.create': 'User created',
  'user.update': 'User details changed',
  'user.delete': 'User taken out of service',
  'user.unlock': 'Sign-in unlocked',
  'user.factors_reset': 'Second factors reset',
  'user.register': 'Customer registered',
  'user.email_change': 'Email changed by the customer',
  'account.close': 'Account closed by the customer',
  'auth.login_failed': 'Failed sign-in',
  'auth.locked_out': 'Sign-in locked after failed attempts',
  'audit.export': 'Audit trail exported',
}

/** The actions staff can pick as a filter (any other is typed by its name). */
export const AUDIT_ACTIONS: readonly string[] = Object.keys(ACTIONS)

export function describeAction(action: string): string {
  const known = ACTIONS[action]
  if (known) return known
  const words = action.replace(/[._-]+/g, ' ').trim()
  return words ? words[0]!.toUpperCase() + words.slice(1) : action
}

const TARGET_KINDS: Record<string, string> = {
  account: 'Account',
  user: 'User',
  username: 'Username',
  session: 'Session',
  audit: 'Audit trail',
}

/** A record's target as staff read it: `User` + the username, `Account` + the grouped number. */
export function describeTarget(entry: { target_type: string; target_label: string }): { kind: string; name: string } {
  const kind = TARGET_KINDS[entry.target_type] ?? entry.target_type
  if (entry.target_type === 'audit') return { kind, name: '' }
  const name = entry.target_type === 'account' ? formatAccountNumber(entry.target_label) : entry.target_label
  return { kind, name }
}
