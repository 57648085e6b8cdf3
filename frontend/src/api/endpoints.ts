import { api } from './client'
import type {
  Account,
  ApprovalStatus,
  AuditEntry,
  AuditFilters,
  CreateUserRequest,
  Currency,
  DepositApproval,
  DepositRequest,
  Execution,
  CurrentSession,
  LoginResponse,
  Page,
  RegisterRequest,
  RegisterResponse,
  SessionSummary,
  StandingOrder,
  StandingOrderRequest,
  TemporaryPassword,
  Transaction,
  Transfer,
  TransferPreview,
  TransferRequest,
  UpdateAccountRequest,
  UpdateUserRequest,
  User,
  UserDetail,
  UserSummary,
} from './types'
import type { Payee, PayeeRequest, PayeeVerification, UpdatePayeeRequest } from './types'
import type { BalanceHistory } from './types'

const enc = encodeURIComponent

export const authApi = {
  /** Signed in, or (for someone who holds a second factor) the challenge of sign-in's second step. */
  login: (username: string, password: string) =>
    api.post<import('./types').SignedIn | import('./types').FactorRequired>('/auth/login', { username, password }, { anonymous: true }),
  register: (body: RegisterRequest) => api.post<RegisterResponse>('/auth/register', body, { anonymous: true }),
  /** The session behind this browser's cookie; a 401 means nobody is signed in (not an ended session). */
  session: () => api.get<CurrentSession>('/auth/session', { anonymous: true }),
  logout: () => api.post<void>('/auth/logout', undefined, { anonymous: true }),
  requestPasswordReset: (login: string) => api.post<void>('/auth/password-reset', { login }, { anonymous: true }),
  confirmPasswordReset: (token: string, newPassword: string, confirmation: string) =>
    api.post<void>(
      '/auth/password-reset/confirm',
      { token, new_password: newPassword, new_password_confirmation: confirmation },
      { anonymous: true },
    ),
  me: () => api.get<User>('/me'),
}

export const securityApi = {
  changePassword: (currentPassword: string, newPassword: string, confirmation: string) =>
    api.post<void>('/me/password', {
      current_password: currentPassword,
      new_password: newPassword,
      new_password_confirmation: confirmation,
    }),
  sessions: () => api.get<{ items: SessionSummary[] }>('/me/sessions'),
  revokeSession: (id: string) => api.delete(`/me/sessions/${enc(id)}`),
  revokeOthers: () => api.post<{ revoked: number }>('/me/sessions/revoke-all'),
}

export const accountsApi = {
  list: () => api.get<{ items: Account[] }>('/accounts'),
  get: (number: string) => api.get<Account>(`/accounts/${enc(number)}`),
  open: (name: string, currency: Currency) => api.post<Account>('/accounts', { name, currency }),
}

export const transfersApi = {
  /** A transfer (201), or one waiting for the payer's second factor (202, nothing moved: `confirm` it). */
  create: (body: TransferRequest, idempotencyKey: string) =>
    api.post<Transfer | import('./types').PendingPayment>('/transfers', body, { idempotencyKey }),
  /** Answers a waiting payment's challenge (issue 17). Sent `anonymous`: a wrong code is a 401 that
   * says so, not an ended session. */
  confirm: (answer: import('./types').PaymentAnswer) =>
    api.post<Transfer>('/transfers/confirm', answer, { anonymous: true }),
  /** What the transfer would answer now (its refusal included), moving nothing: no key needed. */
  preview: (body: TransferRequest) => api.post<TransferPreview>('/transfers/preview', body),
}

export type PageQuery = {
  limit?: number
  cursor?: string | null
}

/** The history filters (all optional; the API refuses any other parameter). */
export type HistoryFilters = {
  from?: string
  to?: string
  min_amount?: string
  max_amount?: string
  direction?: 'in' | 'out'
  counterparty?: string
  q?: string
}

export const transactionsApi = {
  list: (query: PageQuery & HistoryFilters & { account?: string | null }) =>
    api.get<Page<Transaction>>('/transactions', { query }),
}

export type StatementFormat = 'csv' | 'pdf'

export const statementsApi = {
  download: (number: string, from: string, to: string, format: StatementFormat) =>
    api.download(`/accounts/${enc(number)}/statement`, { query: { from, to, format } }),
}

export const manageApi = {
  listUsers: (query: PageQuery & { q?: string }) => api.get<Page<UserSummary>>('/manage/users', { query }),
  getUser: (id: string) => api.get<UserDetail>(`/manage/users/${enc(id)}`),
  createUser: (body: CreateUserRequest) => api.post<UserDetail>('/manage/users', body),
  updateUser: (id: string, body: UpdateUserRequest) => api.patch<UserDetail>(`/manage/users/${enc(id)}`, body),
  deleteUser: (id: string) => api.delete(`/manage/users/${enc(id)}`),
  resetPassword: (id: string) => api.post<TemporaryPassword>(`/manage/users/${enc(id)}/password-reset`),
  /** Clears the wait after failed sign-ins and unblocks the user's second factor. */
  unlockUser: (id: string) => api.post<void>(`/manage/users/${enc(id)}/unlock`),
  /** Removes every second factor of a user who lost them all; they set one up at their next sign-in. */
  resetFactors: (id: string) => api.post<void>(`/manage/users/${enc(id)}/second-factors/reset`),
  userTransactions: (id: string, query: PageQuery & HistoryFilters & { account?: string | null }) =>
    api.get<Page<Transaction>>(`/manage/users/${enc(id)}/transactions`, { query }),
  updateAccount: (number: string, body: UpdateAccountRequest) =>
    api.patch<Account>(`/manage/accounts/${enc(number)}`, body),
  /** A transfer (201), or above the approval threshold a pending approval (202) that moves nothing yet. */
  deposit: (number: string, body: DepositRequest, idempotencyKey: string) =>
    api.post<Transfer | DepositApproval>(`/manage/accounts/${enc(number)}/deposits`, body, { idempotencyKey }),
  audit: (query: PageQuery & AuditFilters) => api.get<Page<AuditEntry>>('/manage/audit', { query }),
  /** The trail as a CSV file, with the list's filters (the export is audited). */
  auditExport: (query: AuditFilters) => api.download('/manage/audit/export', { query }),
  approvals: (query: PageQuery & { status?: ApprovalStatus }) =>
    api.get<Page<DepositApproval>>('/manage/approvals', { query }),
  approve: (id: string) => api.post<DepositApproval>(`/manage/approvals/${enc(id)}/approve`),
  reject: (id: string, reason: string) => api.post<DepositApproval>(`/manage/approvals/${enc(id)}/reject`, { reason }),
}

export const standingOrdersApi = {
  list: () => api.get<{ items: StandingOrder[] }>('/standing-orders'),
  /** The same request retried under the same key sets up one order. */
  create: (body: StandingOrderRequest, idempotencyKey: string) =>
    api.post<StandingOrder>('/standing-orders', body, { idempotencyKey }),
  /** Pause (`paused`), resume (`active`) or cancel (`cancelled`) an order. */
  setStatus: (id: string, status: 'active' | 'paused' | 'cancelled') =>
    api.patch<StandingOrder>(`/standing-orders/${enc(id)}`, { status }),
  executions: (id: string) => api.get<{ items: Execution[] }>(`/standing-orders/${enc(id)}/executions`),
}

export const payeesApi = {
  list: () => api.get<{ items: Payee[] }>('/payees'),
  add: (body: PayeeRequest) => api.post<Payee>('/payees', body),
  /** Verification of Payee: is `name` the holder of `account`? Counted per customer (429 past the hour's limit). */
  verify: (name: string, account: string) => api.post<PayeeVerification>('/payees/verify', { name, account }),
  update: (id: string, body: UpdatePayeeRequest) => api.patch<Payee>(`/payees/${enc(id)}`, body),
  remove: (id: string) => api.delete(`/payees/${enc(id)}`),
}

/** One account's balance after each of its latest movements, oldest first (the account page's chart). */
export const balanceHistoryApi = {
  get: (number: string, limit = 100) =>
    api.get<BalanceHistory>(`/accounts/${enc(number)}/balance-history`, { query: { limit } }),
}

// Passkeys (issue 17): `credential` is the PublicKeyCredential as JSON (src/lib/webauthn.ts).
export const passkeysApi = {
  list: () => api.get<{ items: import('./types').Passkey[] }>('/me/passkeys'),
  registrationOptions: () => api.post<import('./types').PasskeyOptions>('/me/passkeys/options'),
  add: (challengeId: string, name: string, credential: unknown) =>
    api.post<import('./types').Passkey>('/me/passkeys', { challenge_id: challengeId, name, credential }),
  rename: (id: string, name: string) => api.patch<import('./types').Passkey>(`/me/passkeys/${enc(id)}`, { name }),
  remove: (id: string) => api.delete(`/me/passkeys/${enc(id)}`),
  signInOptions: () => api.post<import('./types').PasskeyOptions>('/auth/passkey/options', undefined, { anonymous: true }),
  signIn: (challengeId: string, credential: unknown) =>
    api.post<LoginResponse>('/auth/passkey', { challenge_id: challengeId, credential }, { anonymous: true }),
}

// Second factors (issue 17). A change answers 403 sca-required without a fresh strong sign-in
// (src/composables/useStepUp.ts steps up and retries).
export const factorsApi = {
  list: () => api.get<import('./types').Factors>('/me/factors'),
  enrolTotp: () => api.post<import('./types').TotpEnrolment>('/me/totp'),
  confirmTotp: (code: string) => api.post<import('./types').RecoveryCodes>('/me/totp/confirm', { code }),
  removeTotp: () => api.delete('/me/totp'),
  regenerateRecoveryCodes: () => api.post<import('./types').RecoveryCodes>('/me/recovery-codes'),
  startStepUp: () => api.post<import('./types').FactorChallenge>('/auth/step-up'),
  confirmStepUp: (challengeId: string, proof: import('./types').FactorProof) =>
    api.post<void>('/auth/step-up/confirm', { challenge_id: challengeId, ...proof }),
  /** Sign-in's second step: the same answer as a password-only sign-in, the session strongly authenticated. */
  signIn: (challengeId: string, proof: import('./types').FactorProof) =>
    api.post<import('./types').SignedIn>('/auth/login/factor', { challenge_id: challengeId, ...proof }, { anonymous: true }),
}
