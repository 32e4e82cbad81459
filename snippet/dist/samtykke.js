/* placeholder: replaced by npm run build */
