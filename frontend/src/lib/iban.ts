/** IE Bank account numbers: `IE` + 2 check digits + `IEBK` + 14 digits, ISO 7064 mod 97-10. */
const ACCOUNT_NUMBER = /^IE\d{2}IEBK\d{14}$/

/** Uppercase and drop spaces, so `ie29 iebk 0000…` typed or pasted by a person still matches. */
export function normalizeAccountNumber(input: string): string {
  return input.replace(/\s+/g, '').toUpperCase()
}

export function hasValidCheckDigits(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4)
  let remainder = 0
  for (const char of rearranged) {
    const code = char.charCodeAt(0)
    const digits = code >= 65 && code <= 90 ? String(code - 55) : char
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97
  }
  return remainder === 1
}

/** Why `input` is not an IE Bank account number, or null when it is one. */
export function accountNumberProblem(input: string): string | null {
  const value = normalizeAccountNumber(input)
  if (!value) return 'Enter the recipient account number.'
  if (!ACCOUNT_NUMBER.test(value))
    return 'An IE Bank account number looks like IE12 IEBK 1234 5678 9012 34 (22 characters).'
  if (!hasValidCheckDigits(value)) return 'This account number has a typo: its check digits do not match.'
  return null
}

/** Groups of four for reading: `IE29 IEBK 0000 0000 0000 01`. */
export function formatAccountNumber(number: string): string {
  return number.replace(/(.{4})/g, '$1 ').trim()
}
