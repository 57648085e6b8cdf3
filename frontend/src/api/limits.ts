// The limits and enums the SPA checks before sending, taken from the generated OpenAPI constants
// (limits.generated.ts, `npm run gen:api`), so a changed limit in the API is a changed limit here
// and `npm run check:api` fails until both agree. `satisfies` ties each list to the generated types.
import { requestFields } from './limits.generated'
import type { components } from './schema'

type Schemas = components['schemas']

export const CURRENCIES = requestFields.OpenAccountRequest.currency.enum satisfies readonly Schemas['OpenAccountRequest']['currency'][]

export const ACCOUNT_NAME_MAX = requestFields.OpenAccountRequest.name.maxLength
export const DESCRIPTION_MAX = requestFields.TransferRequest.description.maxLength
export const FULL_NAME_MAX = requestFields.RegisterRequest.full_name.maxLength
export const EMAIL_MAX = requestFields.RegisterRequest.email.maxLength
export const PASSWORD_MAX = requestFields.RegisterRequest.password.maxLength
export const USERNAME_PATTERN = new RegExp(requestFields.RegisterRequest.username.pattern)
/** The largest amount one transfer or deposit may move, in cents. */
export const MAX_AMOUNT_CENTS = BigInt(requestFields.TransferRequest.amount.maximum) * 100n
