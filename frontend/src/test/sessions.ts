import { customer } from './fakeApi'
import type { User } from '@/api/types'

/** What the API answers at sign-in (and, without the token, for GET /api/auth/session). */
export function signedInBody(options: { user?: User; idleSeconds?: number; passwordChangeRequired?: boolean } = {}) {
  const now = Date.now()
  const idle = options.idleSeconds ?? 300
  return {
    user: options.user ?? customer,
    session: {
      id: 's-1',
      created_at: new Date(now).toISOString(),
      idle_expires_at: new Date(now + idle * 1000).toISOString(),
      expires_at: new Date(now + 43_200_000).toISOString(),
      idle_seconds: idle,
    },
    password_change_required: options.passwordChangeRequired ?? false,
    access_token: 'for-scripts-only',
    token_type: 'Bearer',
    expires_in: 300,
  }
}
