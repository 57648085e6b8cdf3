// Shapes of the API's JSON bodies. Until the backend's OpenAPI document is generated into
// schema.d.ts these follow the team contract; afterwards they are aliases of the generated schemas.
export type Currency = 'EUR' | 'USD' | 'GBP' | 'INR'
export type Role = 'customer' | 'admin'
export type AccountStatus = 'active' | 'frozen' | 'closed'

export interface User {
  id: string
  username: string
  full_name: string
  email: string
  country: string
  role: Role
  active: boolean
  created_at: string
}

export interface Account {
  number: string
  name: string
  currency: Currency
  country: string
  status: AccountStatus
  balance: string
  created_at: string
}

export interface LoginResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  user: User
}

export interface RegisterRequest {
  username: string
  password: string
  password_confirmation: string
  full_name: string
  email: string
  country: string
}

export interface RegisterResponse {
  user: User
  account: Account
}

export interface Transfer {
  id: string
  from_account: string
  to_account: string
  amount: string
  currency: Currency
  description: string | null
  kind: string
  created_at: string
}

export interface TransferRequest {
  from_account: string
  to_account: string
  amount: string
  description?: string
}

export interface Transaction {
  id: string
  account: string
  counterparty_account: string | null
  direction: 'debit' | 'credit'
  amount: string
  currency: Currency
  description: string | null
  kind: string
  created_at: string
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

export interface UserDetail extends User {
  accounts: Account[]
}

export interface CreateUserRequest {
  username: string
  password: string
  full_name: string
  email: string
  country: string
  role: Role
}

export interface UpdateUserRequest {
  full_name?: string
  email?: string
  country?: string
  role?: Role
  active?: boolean
}

export interface UpdateAccountRequest {
  name?: string
  country?: string
  status?: AccountStatus
}

export interface DepositRequest {
  amount: string
  description?: string
}

export interface AuditEntry {
  id: string
  actor: string | null
  action: string
  target: string | null
  details: Record<string, unknown> | null
  created_at: string
}
