import { describe, expect, it } from 'vitest'
import { accountNumberProblem, formatAccountNumber, hasValidCheckDigits, normalizeAccountNumber } from './iban'

describe('recipient account number check', () => {
  it('accepts a valid IE Bank number, typed with spaces and in lower case', () => {
    expect(accountNumberProblem('ie16 iebk 0000 0000 0000 01')).toBeNull()
    expect(normalizeAccountNumber(' ie16 iebk 0000 0000 0000 01 ')).toBe('IE16IEBK00000000000001')
  })

  it('catches a mistyped digit through the check digits', () => {
    expect(hasValidCheckDigits('IE16IEBK00000000000002')).toBe(false)
    expect(accountNumberProblem('IE16IEBK00000000000002')).toMatch(/check digits/)
  })

  it('explains the expected shape for other banks, short numbers and empty input', () => {
    expect(accountNumberProblem('IE29AIBK93115212345678')).toMatch(/IE12 IEBK/)
    expect(accountNumberProblem('IE16IEBK000001')).toMatch(/22 characters/)
    expect(accountNumberProblem('')).toMatch(/Enter/)
  })

  it('agrees with a published Irish IBAN example on the check digit algorithm', () => {
    expect(hasValidCheckDigits('IE29AIBK93115212345678')).toBe(true)
  })

  it('groups a number in fours for reading', () => {
    expect(formatAccountNumber('IE16IEBK00000000000001')).toBe('IE16 IEBK 0000 0000 0000 01')
  })
})
