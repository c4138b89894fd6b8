"""`python -m tools.adopt`: bring a Terraform-managed environment under a stack of this program.

Reads a Terraform state (format 4), matches every managed instance to the resource this program
registers for it, and writes a stack file whose settings describe the live resources and whose
`ohmycoins:adoption.imports` lets the adopting `pulumi up` import them; plus a report of every
Terraform address's fate. See README "Adopting the Terraform-managed staging".
"""
