-- Standing orders to a saved payee (issue 16): standing_orders.payee_id (0010) now references
-- payees. Each payment goes to the payee's account as it is when the order runs (a payee's
-- account never changes: a new number is a new payee).
--
-- Deleting a payee (shared/payees.py: delete_payee) first detaches every order that names it, in
-- the same transaction: the order keeps the payee's account in to_account and loses payee_id (so
-- standing_orders_one_recipient still holds), and an active or paused one stops with
-- stopped_reason 'payee_deleted'. No order ever names a deleted payee, so the reference keeps the
-- default ON DELETE NO ACTION: a delete that skipped the detaching fails instead of leaving an
-- order without a recipient.
ALTER TABLE standing_orders
    ADD CONSTRAINT standing_orders_payee_id_fkey FOREIGN KEY (payee_id) REFERENCES payees (id);
-- Deleting a payee finds its orders (and the reference's check reads the same index).
CREATE INDEX standing_orders_payee_idx ON standing_orders (payee_id) WHERE payee_id IS NOT NULL;
