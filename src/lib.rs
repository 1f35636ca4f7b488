//! Core of the MiniCRM x SmartBill extension.
