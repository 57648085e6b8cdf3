// The bank's contact details, shown in the footer and wherever a customer is told to contact the
// bank (a frozen account, a disabled sign-in). One file per deployment's details: src/config/bank.json.
import details from './bank.json'

export interface BankContact {
  name: string
  phone: string
  email: string
  address: string[]
  hours: string
}

export const bank: BankContact = details

/** The phone number as a tel: link target (digits and a leading +). */
export const phoneHref = `tel:${bank.phone.replace(/[^\d+]/g, '')}`
