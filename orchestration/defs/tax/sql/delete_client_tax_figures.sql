delete from intermediate.client_tax_figures;
