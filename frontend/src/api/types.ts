// Names the app uses for the API's JSON bodies: aliases of the schemas generated from the
// backend's OpenAPI document into schema.d.ts (`npm run gen:api`), so a changed API shape is a
// type error here rather than a surprise in the browser.
import type { components, operations } from './schema'

type Schemas = components['schemas']

export type Account = Schemas['AccountOut']
export type Currency = Account['currency']
export type AccountStatus = Account['status']
export type User = Schemas['UserOut']
export type Role = User['role']
export type LoginResponse = Schemas['LoginOut']
export type CurrentSession = Schemas['CurrentSessionOut']
export type SessionSummary = Schemas['SessionSummaryOut']
export type TemporaryPassword = Schemas['TemporaryPasswordOut']
export type RegisterRequest = Schemas['RegisterRequest']
export type RegisterResponse = Schemas['RegisterOut']
export type OpenAccountRequest = Schemas['OpenAccountRequest']
export type Transfer = Schemas['TransferOut']
export type TransferRequest = Schemas['TransferRequest']
export type TransferPreview = Schemas['TransferPreviewOut']
export type Transaction = Schemas['EntryOut']
export type UserSummary = Schemas['ManagedUserSummary']
export type UserDetail = Schemas['ManagedUserDetail']
export type CreateUserRequest = Schemas['CreateUserRequest']
export type UpdateUserRequest = Schemas['UpdateUserRequest']
export type UpdateAccountRequest = Schemas['UpdateAccountRequest']
export type DepositRequest = Schemas['DepositRequest']
export type AuditEntry = Schemas['AuditRecordOut']
export type StandingOrder = Schemas['StandingOrderOut']
export type StandingOrderRequest = Schemas['StandingOrderRequest']
export type StandingOrderStatus = StandingOrder['status']
export type Frequency = StandingOrder['frequency']
export type Execution = Schemas['ExecutionOut']
export type Payee = Schemas['PayeeOut']
export type PayeeRequest = Schemas['PayeeRequest']
export type UpdatePayeeRequest = Schemas['UpdatePayeeRequest']
export type PayeeVerification = Schemas['PayeeVerificationOut']
export type VerificationResult = PayeeVerification['result']
/** The audit trail's filters, the same for its list and its CSV export. */
export type AuditFilters = NonNullable<operations['manage_audit_export']['parameters']['query']>

/** Every keyset-paged list (EntryPage, UserPage, AuditPage) has this shape. */
export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

/** A cash deposit above the approval threshold: waiting for a second admin, or decided by one. */
export type DepositApproval = Schemas['DepositApprovalOut']
export type ApprovalStatus = DepositApproval['status']

/** A deposit answered 202 (a pending approval) rather than 201 (a transfer). */
export function isDepositApproval(result: Transfer | DepositApproval): result is DepositApproval {
  return 'maker' in result
}
export type BalanceHistory = Schemas['BalanceHistoryOut']
export type BalancePoint = Schemas['BalancePointOut']

// Passkeys (issue 17).
export type Passkey = Schemas['PasskeyOut']
export type PasskeyOptions = Schemas['PasskeyOptionsOut']

// Payment SCA (issue 17): a transfer answered 202, waiting for the payer's second factor.
export type PendingPayment = Schemas['PendingPaymentOut']
export type PaymentAnswer = Schemas['FactorAnswerRequest']

/** A transfer answered 202 (waiting for a second factor) rather than 201 (sent). */
export function isPendingPayment(result: Transfer | PendingPayment): result is PendingPayment {
  return 'status' in result && result.status === 'authentication_required'
}

// Second factors (issue 17): the authenticator app, recovery codes, step-up and sign-in's second step.
export type TotpEnrolment = Schemas['TotpEnrolmentOut']
export type RecoveryCodes = Schemas['RecoveryCodesOut']
export type Factors = Schemas['FactorsOut']
export type FactorChallenge = Schemas['FactorChallengeOut']
export type FactorMethodName = Schemas['FactorAnswerRequest']['method']
/** What a second factor answers with: a code (app or recovery) or a passkey's assertion as JSON. */
export type FactorProof = { method: 'totp' | 'recovery_code'; code: string } | { method: 'passkey'; credential: Record<string, unknown> }

/** Login's answer for someone who holds a second factor: no session yet, a challenge for the factor step. */
export type FactorRequired = Schemas['FactorRequiredOut']
/** A finished sign-in (password alone, or password and factor); `factor_enrolment_required` sends to the Security page. */
export type SignedIn = LoginResponse

export function isFactorRequired(answer: SignedIn | FactorRequired): answer is FactorRequired {
  return answer.status === 'factor_required'
}
