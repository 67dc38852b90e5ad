"""B11 — recouvrement: what remains to collect on each titre (``calcul``, pure), the acts that
record payments and states (``actes``), the comptable's imports (``imports``), the restes à
recouvrer (``restes``), the reminders (``rappels``) and the year-end accrual (``rattachement``)."""
