import { describe, expect, it } from 'vitest'
import { bankToday, formatDay } from './bankDates'

describe('bank dates', () => {
  it('counts the day in Dublin: 23:30 UTC in summer is already tomorrow', () => {
    expect(bankToday(new Date('2027-06-30T23:30:00Z'))).toBe('2027-07-01')
    expect(bankToday(new Date('2027-01-31T23:30:00Z'))).toBe('2027-01-31')
  })

  it('shows a calendar date as that date, not the day before west of UTC', () => {
    expect(formatDay('2027-02-28')).toMatch(/28/)
    expect(formatDay('2027-02-28')).not.toMatch(/\b27\b/)
  })
})
