import { bank } from '@/config/bank'
import { schemaEnums } from './limits.generated'
import type { components } from './schema'

/**
 * Problem types the API can answer (the last path segment of `type`), generated from the OpenAPI
 * document's ProblemType enum: a slug the API renames or drops breaks the build here (every `case`
 * below must name one), and `npm run check:api` fails until the generated files are refreshed.
 */
export const PROBLEM_SLUGS = schemaEnums.ProblemType satisfies readonly components['schemas']['ProblemType'][]

/** `network-error` is ours: no HTTP response at all (offline, connection reset). */
export type ProblemSlug = components['schemas']['ProblemType'] | 'network-error' | 'unknown'

export interface FieldError {
  field: string
  message: string
}

const PROBLEM_PREFIX = 'https://iebank.example/problems/'

export function slugFromType(type: unknown): ProblemSlug {
  if (typeof type !== 'string' || !type.startsWith(PROBLEM_PREFIX)) return 'unknown'
  const slug = type.slice(PROBLEM_PREFIX.length)
  return (PROBLEM_SLUGS as readonly string[]).includes(slug) ? (slug as ProblemSlug) : 'unknown'
}

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly slug: ProblemSlug,
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly fieldErrors: FieldError[] = [],
    readonly correlationId: string | null = null,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(detail || title)
  }

  /** Message for one form field, e.g. `password`; nested pydantic paths such as `body.password` match too. */
  fieldMessage(field: string): string | undefined {
    return this.fieldErrors.find((e) => e.field === field || e.field.endsWith(`.${field}`))?.message
  }

  /** True when retrying the same request may succeed (the request may not have reached the server). */
  get retryable(): boolean {
    return this.slug === 'network-error' || this.status >= 500 || this.slug === 'idempotency-key-in-progress'
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError
}

/**
 * The fields a registration or user-creation conflict names: the slug's own field, plus every field
 * the 409 lists in `errors` (the API lists both when both are taken). Their messages are fragments
 * ("is taken: pick another"), so pages word their own.
 */
export function takenFields(error: unknown): ('username' | 'email')[] {
  if (!isApiError(error) || (error.slug !== 'username-taken' && error.slug !== 'email-taken')) return []
  const named = new Set(error.fieldErrors.map((e) => e.field.split('.').pop()))
  named.add(error.slug === 'username-taken' ? 'username' : 'email')
  return (['username', 'email'] as const).filter((field) => named.has(field))
}

/** What a customer should read for a failure; the server's detail is used when we have nothing better. */
export function describeProblem(error: unknown): string {
  if (!isApiError(error)) return 'Something went wrong. Please try again.'
  switch (error.slug) {
    case 'network-error':
      return 'We could not reach IE Bank. Check your connection and try again.'
    case 'insufficient-funds':
      return 'Insufficient funds: the account balance does not cover this amount. Nothing was moved.'
    case 'recipient-not-found':
      return 'No account with that number exists at IE Bank. Check the recipient account number.'
    case 'account-frozen':
      return `This account is frozen: no money can be sent from it or paid into it until the bank unfreezes it. Contact ${bank.name} on ${bank.phone} or at ${bank.email}.`
    case 'account-not-found':
      return 'Account not found: no IE Bank account has this number.'
    case 'account-has-balance':
      return 'The account still holds money. Move the money out first.'
    case 'account-closed':
      return 'This account is closed, so money cannot be moved.'
    case 'currency-mismatch':
      return 'The two accounts use different currencies. Transfers are only possible between accounts in the same currency.'
    case 'too-many-login-attempts':
      return error.retryAfterSeconds
        ? `Too many failed sign-in attempts. Try again in ${Math.ceil(error.retryAfterSeconds / 60)} minute(s).`
        : 'Too many failed sign-in attempts. Try again later.'
    case 'invalid-credentials':
      return 'Wrong username or password.'
    case 'sign-in-disabled':
      return `Your sign-in is disabled. To find out why or to have it enabled again, contact ${bank.name} on ${bank.phone} or at ${bank.email}.`
    case 'temporary-password-expired':
      return `This temporary password has expired. Ask ${bank.name} for a new one on ${bank.phone}.`
    case 'reset-link-invalid':
      return 'This link is not valid any more: it was used already, it expired, or part of it is missing. Ask for a new one.'
    case 'password-change-required':
      return 'Choose a new password first: you signed in with a temporary one.'
    case 'forbidden':
      return 'You do not have access to this page.'
    case 'account-limit-reached': {
      const most = /\d+/.exec(error.detail)?.[0]
      return `You already have ${most ? `${most} open accounts, ` : 'as many open accounts as '}the most IE Bank allows. Close an account you no longer use (it needs a zero balance), then open the new one.`
    }
    case 'own-account-deposit':
      return 'Staff cannot deposit into, approve or reject deposits into their own accounts: another member of staff must.'
    case 'approval-by-maker':
      return 'You took this deposit, so another admin must approve or reject it.'
    case 'approval-not-pending':
      return 'This deposit has already been approved or rejected by another admin. The list now shows its decision.'
    case 'service-unavailable':
      return 'IE Bank is briefly unavailable. Please try again in a moment.'
    case 'payee-not-found':
      return 'This payee is not in your list any more. Choose another or pay an account number.'
    case 'payee-exists':
      return 'You saved this account number as a payee already.'
    case 'factor-blocked':
      return error.retryAfterSeconds
        ? `Too many wrong codes in a row: your second factor is blocked. Try again in ${Math.ceil(error.retryAfterSeconds / 60)} minute(s).`
        : 'Too many wrong codes in a row: your second factor is blocked for a while. Try again later.'
    case 'factor-locked':
      return 'Your second factor is blocked after too many wrong attempts. Call us (see the page footer) to unblock it.'
    case 'factor-enrolment-required':
      return 'Set up a second factor first (an authenticator app or a passkey) on the Security page.'
    case 'internal-error':
      return `Something went wrong on our side.${error.correlationId ? ` Reference: ${error.correlationId}.` : ''}`
    default:
      return error.detail || error.title || 'Something went wrong. Please try again.'
  }
}
