// Mirrors the server's password policy so people learn about it before submitting. The upper
// limit comes from the OpenAPI document; the minimum of 8 is a rule the API checks beyond the schema.
import { PASSWORD_MAX } from '@/api/limits'

export { PASSWORD_MAX }
export const PASSWORD_MIN = 8

export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`
  if (!/\p{L}/u.test(password)) return 'Include at least one letter.'
  if (!/\p{Nd}/u.test(password)) return 'Include at least one digit.'
  return null
}

export function confirmationProblem(password: string, confirmation: string): string | null {
  return password === confirmation ? null : 'The two passwords do not match.'
}
