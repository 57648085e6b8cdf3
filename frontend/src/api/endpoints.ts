import { api } from './client'
import type {
  Account,
  AuditEntry,
  AuditFilters,
  CreateUserRequest,
  Currency,
  DepositRequest,
  CurrentSession,
  LoginResponse,
  Page,
  RegisterRequest,
  RegisterResponse,
  SessionSummary,
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

const enc = encodeURIComponent

export const authApi = {
  login: (username: string, password: string) =>
    api.post<LoginResponse>('/auth/login', { username, password }, { anonymous: true }),
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
  create: (body: TransferRequest, idempotencyKey: string) =>
    api.post<Transfer>('/transfers', body, { idempotencyKey }),
  /** What the transfer would answer now (its refusal included), moving nothing: no key needed. */
  preview: (body: TransferRequest) => api.post<TransferPreview>('/transfers/preview', body),
}

export type PageQuery = {
  limit?: number
  cursor?: string | null
}

export const transactionsApi = {
  list: (query: PageQuery & { account?: string | null }) =>
    api.get<Page<Transaction>>('/transactions', { query }),
}

export const manageApi = {
  listUsers: (query: PageQuery & { q?: string }) => api.get<Page<UserSummary>>('/manage/users', { query }),
  getUser: (id: string) => api.get<UserDetail>(`/manage/users/${enc(id)}`),
  createUser: (body: CreateUserRequest) => api.post<UserDetail>('/manage/users', body),
  updateUser: (id: string, body: UpdateUserRequest) => api.patch<UserDetail>(`/manage/users/${enc(id)}`, body),
  deleteUser: (id: string) => api.delete(`/manage/users/${enc(id)}`),
  resetPassword: (id: string) => api.post<TemporaryPassword>(`/manage/users/${enc(id)}/password-reset`),
  userTransactions: (id: string, query: PageQuery & { account?: string | null }) =>
    api.get<Page<Transaction>>(`/manage/users/${enc(id)}/transactions`, { query }),
  updateAccount: (number: string, body: UpdateAccountRequest) =>
    api.patch<Account>(`/manage/accounts/${enc(number)}`, body),
  deposit: (number: string, body: DepositRequest, idempotencyKey: string) =>
    api.post<Transfer>(`/manage/accounts/${enc(number)}/deposits`, body, { idempotencyKey }),
  audit: (query: PageQuery & AuditFilters) => api.get<Page<AuditEntry>>('/manage/audit', { query }),
  /** The trail as a CSV file, with the list's filters (the export is audited). */
  auditExport: (query: AuditFilters) => api.getFile('/manage/audit/export', { query }),
}
